package io.mooring.controller.backend;

import java.time.Instant;

/**
 * A complete snapshot as its backend records it.
 *
 * @param dir the source volume's name on the backend (the volume may have been deleted since)
 * @param snapshot the snapshot's name on the backend ({@link
 *     io.mooring.volume.VolumeNames#snapshotFor})
 * @param requestName the CSI name it was created for
 * @param sizeBytes the capacity a volume restored from it needs: the source's capacity when it was
 *     taken
 * @param createdAt when the snapshot was taken (at the latest)
 * @param group the group snapshot it was taken as a member of, or ""
 */
public record SnapshotRecord(
    String dir,
    String snapshot,
    String requestName,
    long sizeBytes,
    Instant createdAt,
    String group) {}
