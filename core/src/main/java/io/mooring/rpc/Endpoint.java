package io.mooring.rpc;

import java.nio.file.Path;

/**
 * Where a plugin listens: {@code unix:///csi/csi.sock} or, for debugging, {@code tcp://host:port}.
 */
public sealed interface Endpoint {

  record Unix(Path path) implements Endpoint {
    @Override
    public String toString() {
      return "unix://" + path;
    }
  }

  record Tcp(String host, int port) implements Endpoint {
    @Override
    public String toString() {
      return "tcp://" + host + ":" + port;
    }
  }

  static Endpoint parse(String text) {
    if (text.startsWith("unix://")) {
      return unix(text.substring("unix://".length()), text);
    }
    if (text.startsWith("unix:")) {
      return unix(text.substring("unix:".length()), text);
    }
    if (text.startsWith("tcp://")) {
      String rest = text.substring("tcp://".length());
      int colon = rest.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("endpoint " + text + " needs a port (tcp://host:port)");
      }
      String host = rest.substring(0, colon);
      return new Tcp(
          host.isEmpty() ? "0.0.0.0" : host, Integer.parseInt(rest.substring(colon + 1)));
    }
    throw new IllegalArgumentException("endpoint " + text + " must start with unix:// or tcp://");
  }

  private static Endpoint unix(String path, String text) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("unix endpoint " + text + " needs an absolute path");
    }
    return new Unix(Path.of(path));
  }
}
