package io.mooring.kube.audit;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mooring.kube.audit.Finding.Fix;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Prints an audit's findings: a table for people, or JSON ({@code {"findings": [...]}}). */
final class AuditReport {

  private static final String[] HEADER = {"KIND", "VOLUME / SNAPSHOT", "PV", "FIX", "DETAIL"};

  private AuditReport() {}

  static void json(List<Finding> findings, PrintWriter out) {
    out.println(new KubernetesSerialization().asJson(Map.of("findings", findings)));
  }

  static void text(List<Finding> findings, PrintWriter out) {
    if (findings.isEmpty()) {
      out.println("No findings: every backend volume has a PV, every PV its volume, sizes agree.");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (Finding f : findings) {
      rows.add(
          new String[] {
            f.kind().label(),
            f.snapshot() != null ? f.snapshot() : f.volumeId(),
            f.pv() == null ? "-" : f.pv(),
            f.fix().label(),
            f.why() == null || f.detail().contains(f.why())
                ? f.detail()
                : f.detail() + " [" + f.why() + "]"
          });
    }
    int[] widths = new int[HEADER.length - 1];
    for (String[] row : rows) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < widths.length; i++) {
        line.append(String.format("%-" + widths[i] + "s  ", row[i]));
      }
      out.println(line.append(row[widths.length]));
    }
    Map<String, Long> byKind =
        findings.stream()
            .collect(
                Collectors.groupingBy(f -> f.kind().label(), TreeMap::new, Collectors.counting()));
    Map<String, Long> byFix =
        findings.stream()
            .filter(f -> f.fix() != Fix.NONE)
            .collect(
                Collectors.groupingBy(f -> f.fix().label(), TreeMap::new, Collectors.counting()));
    out.println();
    out.println(findings.size() + " finding(s): " + byKind + (byFix.isEmpty() ? "" : "; " + byFix));
  }
}
