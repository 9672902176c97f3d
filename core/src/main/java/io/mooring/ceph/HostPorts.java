package io.mooring.ceph;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Collection;

/** Reachability of {@code host:port} addresses, e.g. Ceph monitors. */
public final class HostPorts {

  private HostPorts() {}

  /** Whether any of the addresses accepts a TCP connection within a second. */
  public static boolean anyAccepts(Collection<String> addresses) {
    for (String address : addresses) {
      int colon = address.lastIndexOf(':');
      if (colon <= 0) {
        continue;
      }
      try (Socket socket = new Socket()) {
        socket.connect(
            new InetSocketAddress(
                address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
            1000);
        return true;
      } catch (IOException | NumberFormatException e) {
        // try the next one
      }
    }
    return false;
  }
}
