# Mooring plugin image: one image for both the controller and the node plugin.
#
#   docker build -t <registry>/mooring:0.1.0 .
#   docker run --rm <registry>/mooring:0.1.0 --help
#
# The container runs `tini -- java -jar /opt/mooring/mooring.jar <controller|node> [flags]`; the
# Kubernetes manifests in deploy/ pass the mode and flags as args.

# --- build: the shaded jar app/target/mooring-all.jar --------------------------------------
FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The plugins only (-pl app -am): the benchmark and the demo (tools/, sources not even in the
# context) are not built. The cache mount keeps ~/.m2 between builds (BuildKit, the default
# builder since Docker 23).
RUN --mount=type=cache,target=/root/.m2 mvn -B -DskipTests -pl app -am package

# --- runtime ---------------------------------------------------------------------------------
# Debian's own JRE rather than a jlink'ed runtime: the mount helpers have to come from Debian
# anyway, so one base, one package manager and Debian's security updates cover the JRE too, and
# there is no second JDK to keep in step with the build image.
FROM debian:12-slim
# The version is the Maven project version (pom.xml), as `mooring --version` says it and as the
# image tag in deploy/ names it; ReleaseVersionTest fails when they disagree (CHANGELOG.md).
LABEL org.opencontainers.image.title="mooring" \
      org.opencontainers.image.description="Kubernetes CSI driver for ReadWriteMany volumes on GlusterFS and CephFS" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"
# glusterfs-client: mount.glusterfs and the glusterfs FUSE client (node and controller);
# glusterfs-cli: the gluster CLI (controller with management: local, over glusterd's socket);
# openssh-client: the controller's management: ssh (gluster runs on a server; the gate lives there);
# ceph-fuse, ceph-common: the CephFS backend (ceph-fuse, the ceph CLI, librados for the controller);
# util-linux, mount: mount/umount/findmnt; attr: getfattr/setfattr for volume metadata xattrs;
# tini: PID 1 (ENTRYPOINT below).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless \
      tini \
      glusterfs-client \
      glusterfs-cli \
      openssh-client \
      ceph-fuse \
      ceph-common \
      util-linux \
      mount \
      attr \
 && rm -rf /var/lib/apt/lists/*
# Every gluster CLI call first runs `gsyncd --version` (geo-replication's Python helper), which was
# two thirds of a `quota limit-usage` call here (165 ms -> 56 ms without it). Mooring never uses
# geo-replication: gsyncd becomes /bin/false (diverted, so package upgrades keep it that way).
RUN for g in /usr/lib/*/glusterfs/gsyncd; do \
      dpkg-divert --local --rename --divert "$g.real" --add "$g" && ln -s /bin/false "$g"; \
    done
COPY --from=build /src/app/target/mooring-all.jar /opt/mooring/mooring.jar
# Small, predictable JVM: the flags of app/jvm.options (what each buys is there), the same file
# scripts/mooring and the benchmark use.
COPY --from=build /src/app/jvm.options /opt/mooring/jvm.options
# AppCDS archive of the classes a node plugin loads (start-up ~40% faster), trained here against
# this image's JRE and jar. Without it (training failed) the JVM starts silently without; with an
# unusable one it warns once and does the same.
RUN java -cp /opt/mooring/mooring.jar io.mooring.app.CdsTraining /opt/mooring/mooring.jsa @/opt/mooring/jvm.options \
 || echo "no AppCDS archive: the plugin will start without one" >&2
# The java launcher reads this variable before its command line. A deployment that tunes the JVM
# sets it again with its flags after these (a later flag wins), e.g.
#   JDK_JAVA_OPTIONS="@/opt/mooring/jvm.options -XX:SharedArchiveFile=/opt/mooring/mooring.jsa -Xmx128m"
ENV JDK_JAVA_OPTIONS="@/opt/mooring/jvm.options -XX:SharedArchiveFile=/opt/mooring/mooring.jsa"
# Runs as root on purpose: mount(2), FUSE mounts, the gluster CLI and Bidirectional mount
# propagation need it (the pods are privileged as well). There is no non-root variant.
USER root
# tini is PID 1, the JVM its child. Every process whose parent exits is handed to PID 1: the FUSE
# clients daemonize (glusterfs, ceph-fuse: mount helper exits, client reparented), and so does
# whatever a timed-out helper leaves behind. The JVM never reaps children it did not start (it
# cannot without breaking Process.waitFor), so as PID 1 each such process that exits stays a
# zombie (PidOneIT: one per failed Gluster mount). tini reaps them, passes SIGTERM on to the JVM
# and exits with its status. Not `-g`: a signal must never reach the FUSE clients.
ENTRYPOINT ["/usr/bin/tini", "--", "java", "-jar", "/opt/mooring/mooring.jar"]
CMD ["--help"]
