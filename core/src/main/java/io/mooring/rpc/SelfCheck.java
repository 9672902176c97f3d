package io.mooring.rpc;

import csi.v1.IdentityGrpc;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One CSI GetPluginInfo call to the plugin's own endpoint, written as the five HTTP/2 frames it
 * takes (cleartext, prior knowledge: what every gRPC client sends) instead of through a grpc {@code
 * ManagedChannel}: the channel with its resolver, load balancer and threads cost the node plugin 5
 * MiB of RSS for one call every few seconds. It answered if stream 1 gets a DATA frame (the
 * response) or ends with HEADERS (an error status): either way the socket, the event loop, the
 * executor, the interceptor and the Identity service all took part, as in any RPC.
 */
final class SelfCheck {

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final String PATH =
      "/" + IdentityGrpc.getGetPluginInfoMethod().getFullMethodName();
  private static final int DATA = 0;
  private static final int HEADERS = 1;
  private static final int SETTINGS = 4;
  private static final int GOAWAY = 7;
  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;

  private SelfCheck() {}

  /**
   * Empty if the server at {@code address} answered GetPluginInfo within {@code deadline}; else why
   * not.
   */
  static Optional<String> getPluginInfo(SocketAddress address, String where, Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    try (SocketChannel channel = SocketChannel.open(address);
        Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      write(channel, selector, end, request());
      ByteBuffer in = ByteBuffer.allocate(16 * 1024);
      while (true) {
        in.flip();
        while (in.remaining() >= 9) {
          int length =
              (in.get(in.position()) & 0xff) << 16
                  | (in.get(in.position() + 1) & 0xff) << 8
                  | (in.get(in.position() + 2) & 0xff);
          if (in.remaining() < 9 + length) {
            break;
          }
          int type = in.get(in.position() + 3) & 0xff;
          int flags = in.get(in.position() + 4) & 0xff;
          int stream = in.getInt(in.position() + 5) & 0x7fffffff;
          in.position(in.position() + 9 + length);
          if (stream == 1 && (type == DATA || type == HEADERS && (flags & END_STREAM) != 0)) {
            return Optional.empty();
          }
          if (type == GOAWAY) {
            return Optional.of(where + " refused GetPluginInfo (HTTP/2 GOAWAY)");
          }
          if (type == SETTINGS && (flags & ACK) == 0) {
            write(channel, selector, end, frame(SETTINGS, ACK, 0, new byte[0]));
          }
        }
        in.compact();
        if (!in.hasRemaining()) {
          return Optional.of(
              where
                  + " answered GetPluginInfo with more than "
                  + in.capacity()
                  + " bytes of frames");
        }
        if (!await(channel, selector, SelectionKey.OP_READ, end)) {
          return Optional.of(
              "no answer to CSI GetPluginInfo on "
                  + where
                  + " within "
                  + deadline.toMillis()
                  + " ms");
        }
        if (channel.read(in) < 0) {
          throw new EOFException("connection closed");
        }
      }
    } catch (IOException e) {
      return Optional.of("CSI GetPluginInfo on " + where + " failed: " + e);
    }
  }

  /** The preface, our (empty) SETTINGS, and the call: HEADERS, then an empty request message. */
  private static byte[] request() {
    ByteArrayOutputStream headers = new ByteArrayOutputStream();
    for (String[] h :
        new String[][] {
          {":method", "POST"},
          {":scheme", "http"},
          {":path", PATH},
          {":authority", "localhost"},
          {"content-type", "application/grpc"},
          {"te", "trailers"}
        }) {
      headers.write(0); // HPACK: literal header field without indexing, new name, no Huffman coding
      literal(headers, h[0]);
      literal(headers, h[1]);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(PREFACE);
    out.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
    out.writeBytes(frame(HEADERS, END_HEADERS, 1, headers.toByteArray()));
    // gRPC message: not compressed, length 0 (GetPluginInfoRequest has no fields).
    out.writeBytes(frame(DATA, END_STREAM, 1, new byte[5]));
    return out.toByteArray();
  }

  private static void literal(ByteArrayOutputStream out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length >= 127) {
      throw new IllegalArgumentException("header too long for a one-byte HPACK length: " + s);
    }
    out.write(bytes.length);
    out.writeBytes(bytes);
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
    b.put((byte) (payload.length >>> 16))
        .put((byte) (payload.length >>> 8))
        .put((byte) payload.length);
    b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
    return b.array();
  }

  private static void write(SocketChannel channel, Selector selector, long end, byte[] bytes)
      throws IOException {
    ByteBuffer out = ByteBuffer.wrap(bytes);
    while (out.hasRemaining()) {
      if (channel.write(out) == 0 && !await(channel, selector, SelectionKey.OP_WRITE, end)) {
        throw new IOException("timed out writing the request");
      }
    }
  }

  /** Waits until the channel is ready for {@code op}; false at the deadline. */
  private static boolean await(SocketChannel channel, Selector selector, int op, long end)
      throws IOException {
    long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
    if (left <= 0) {
      return false;
    }
    SelectionKey key = channel.register(selector, op);
    try {
      return selector.select(left) > 0;
    } finally {
      key.interestOps(0);
      selector.selectedKeys().clear();
    }
  }
}
