package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.Version;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * One version everywhere. The Maven project version is the source; the program stamps it into
 * {@code mooring --version} and GetPluginInfo (core's version.properties), and this test holds the
 * image label, the Helm chart, the changelog and the install instructions to it. The image tag in
 * deploy/ is held to it by {@code DeployManifestsTest}.
 */
class ReleaseVersionTest {

  /** SemVer 2.0.0, without build metadata (an image tag cannot hold '+'). */
  private static final Pattern SEMVER =
      Pattern.compile(
          "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?");

  private static final Path ROOT = findRoot();

  @Test
  void theProgramSaysTheMavenProjectVersionAndItIsSemver() throws Exception {
    String version = pomVersion();
    assertTrue(SEMVER.matcher(version).matches(), "not a SemVer version: " + version);
    assertEquals(version, Version.get(), "core's version.properties is filtered from the pom");
    StringWriter out = new StringWriter();
    int exit = new CommandLine(new Main()).setOut(new PrintWriter(out)).execute("--version");
    assertEquals(0, exit);
    assertEquals("mooring " + version, out.toString().strip());
  }

  @Test
  void theImageLabelSaysTheVersion() throws Exception {
    assertEquals(
        List.of(pomVersion()),
        all(
            Files.readString(ROOT.resolve("Dockerfile")),
            "org\\.opencontainers\\.image\\.version=\"([^\"]*)\""),
        "Dockerfile LABEL org.opencontainers.image.version");
  }

  /** The Helm chart (generated from deploy/ by scripts/helm-chart) versions with the program. */
  @Test
  void theHelmChartSaysTheVersion() throws Exception {
    String chart = Files.readString(ROOT.resolve("deploy/helm/mooring/Chart.yaml"));
    assertEquals(
        List.of(pomVersion()), all(chart, "(?m)^version: \"?([^\"\\s]+)"), "Chart version");
    assertEquals(
        List.of(pomVersion()), all(chart, "(?m)^appVersion: \"?([^\"\\s]+)"), "appVersion");
  }

  @Test
  void theNewestChangelogSectionIsTheVersion() throws Exception {
    List<String> sections =
        all(Files.readString(ROOT.resolve("CHANGELOG.md")), "(?m)^## \\[([^\\]]+)\\]");
    assertTrue(!sections.isEmpty(), "CHANGELOG.md has no \"## [version]\" section");
    String newest = sections.get(0).equals("Unreleased") ? sections.get(1) : sections.get(0);
    assertEquals(pomVersion(), newest, "CHANGELOG.md's newest version section");
  }

  /** The docker build / push lines a reader copies build the image the manifests name. */
  @Test
  void theInstallInstructionsBuildTheVersion() throws Exception {
    for (Path doc : List.of(ROOT.resolve("README.md"), ROOT.resolve("deploy/README.md"))) {
      TreeSet<String> tags = new TreeSet<>(all(Files.readString(doc), "/mooring:([0-9][^\\s`]*)"));
      assertEquals(new TreeSet<>(List.of(pomVersion())), tags, doc + ": mooring image tags");
    }
  }

  static String pomVersion() throws Exception {
    var pom =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(ROOT.resolve("pom.xml").toFile());
    var children = pom.getDocumentElement().getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      if ("version".equals(children.item(i).getNodeName())) {
        return children.item(i).getTextContent().strip();
      }
    }
    throw new AssertionError("pom.xml has no project version");
  }

  private static List<String> all(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    List<String> found = new ArrayList<>();
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  private static Path findRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("Dockerfile"))
          && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }
}
