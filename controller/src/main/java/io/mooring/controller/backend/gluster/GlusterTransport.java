package io.mooring.controller.backend.gluster;

import io.mooring.exec.CommandResult;
import java.time.Duration;

/**
 * Where the gluster CLI runs and how it reaches a glusterd that accepts management commands: over
 * glusterd's unix socket on this host ({@link LocalTransport}) or on a server over SSH ({@link
 * SshTransport}). {@link GlusterCli} keeps the transactions, retries and XML.
 */
interface GlusterTransport {

  /**
   * Runs the command once.
   *
   * @throws io.mooring.exec.CommandFailedException when gluster ran and failed
   * @throws io.mooring.errors.StorageException when glusterd could not be asked (UNAVAILABLE) or
   *     the way to it is misconfigured (FAILED_PRECONDITION)
   */
  CommandResult run(GlusterCommand command, Duration timeout);

  /** The glusterd that answers, for messages, e.g. {@code glusterd at /run/glusterd.socket}. */
  String where();

  /** Releases what the transport keeps open. */
  default void close() {}
}
