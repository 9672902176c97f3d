package io.mooring.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The plugin's health endpoints for the kubelet's probes, on the JDK's small HTTP server (its
 * dispatcher and idle timer threads; no library):
 *
 * <ul>
 *   <li>{@code GET /livez}: 200 while the plugin serves CSI; 503 and why not otherwise. Only this
 *       should make Kubernetes restart the plugin.
 *   <li>{@code GET /readyz}: 200 when it serves and every backend is healthy; 503 and the reason
 *       otherwise (the reason CSI Probe cannot carry).
 * </ul>
 *
 * Each answer is one line of plain text: {@code ok}, or the reason.
 */
public final class HealthServer implements AutoCloseable {

  private final HttpServer http;

  private HealthServer(HttpServer http) {
    this.http = http;
  }

  /**
   * @param notLive empty while the plugin serves, else why not
   * @param notReady empty when ready, else why not; asked only while the plugin is live
   */
  public static HealthServer start(
      InetSocketAddress address,
      Supplier<Optional<String>> notLive,
      Supplier<Optional<String>> notReady)
      throws IOException {
    HttpServer http = HttpServer.create(address, 0);
    http.createContext("/livez", exchange -> answer(exchange, notLive));
    http.createContext("/readyz", exchange -> answer(exchange, () -> notLive.get().or(notReady)));
    http.start();
    return new HealthServer(http);
  }

  /** The port actually bound (for port 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, Supplier<Optional<String>> check)
      throws IOException {
    try (exchange) {
      int status;
      String body;
      if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        status = 405;
        body = "GET only";
      } else if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
        status = 404;
        body = "not found";
      } else {
        Optional<String> problem = check.get();
        status = problem.isEmpty() ? 200 : 503;
        body = problem.orElse("ok");
      }
      byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
