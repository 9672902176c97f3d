package io.mooring.kube.doctor;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** The doctor's findings as people read them, or as JSON. */
final class Report {

  private Report() {}

  /** {@code {"findings": [...]}}, the fields of {@link Finding}, one document on one line. */
  static void json(List<Finding> findings, PrintWriter out) {
    out.println(new KubernetesSerialization().asJson(Map.of("findings", findings)));
  }

  /**
   * One block per finding (what, what breaks, the fix), then a count; only that line when there is
   * nothing.
   */
  static void text(List<Finding> findings, String namespace, PrintWriter out) {
    for (Finding f : findings) {
      out.println(f.kind() + " " + f.namespace() + "/" + f.name() + ": " + f.summary());
      out.println("  breaks: " + f.breaks());
      out.println("  fix:    " + f.fix());
    }
    String where = namespace == null ? "all namespaces" : "namespace " + namespace;
    out.println(
        findings.isEmpty()
            ? "no single-attach problems in " + where
            : findings.size() + (findings.size() == 1 ? " finding" : " findings") + " in " + where);
  }
}
