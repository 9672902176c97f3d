package io.mooring.controller.backend.gluster;

import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandResult;
import io.mooring.exec.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The controller runs on a Gluster server ({@code management: local}): the CLI talks to glusterd
 * over its unix socket, the only way glusterd serves management commands (its TCP port serves CLIs
 * read-only, even from 127.0.0.1).
 */
final class LocalTransport implements GlusterTransport {

  private final CommandRunner runner;
  private final Path socket;

  LocalTransport(CommandRunner runner, Path socket) {
    this.runner = runner;
    this.socket = socket;
  }

  @Override
  public CommandResult run(GlusterCommand command, Duration timeout) {
    if (!Files.exists(socket)) {
      throw new StorageException(
          StorageException.Kind.FAILED_PRECONDITION,
          "glusterd's socket "
              + socket
              + " does not exist: management: local needs the controller on a Gluster server with"
              + " the directory of glusterd's socket mounted from the host (hostPath /run, then"
              + " glusterdSocket: <mount>/glusterd.socket; /var/lib/glusterd is not needed);"
              + " otherwise set management: ssh");
    }
    List<String> argv = new ArrayList<>(List.of("gluster", "--glusterd-sock=" + socket));
    argv.addAll(command.argv());
    return runner.run(Command.of(argv).withTimeout(timeout));
  }

  @Override
  public String where() {
    return "glusterd at " + socket;
  }
}
