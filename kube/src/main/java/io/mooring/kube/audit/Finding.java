package io.mooring.kube.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * One volume or PV the audit reports; {@code -o json} prints these fields (absent when null; new
 * ones may be added, none renamed).
 *
 * @param volumeId the Mooring volume ID (a PV's volume handle, as the PV has it; a snapshot's
 *     source volume)
 * @param snapshot the Mooring snapshot ID, for a snapshot
 * @param pv the PersistentVolume's name, null when there is none
 * @param claim the claim the volume was made for: {@code namespace/name} while it exists, its UID
 *     when it was deleted, null when unknown
 * @param backendBytes the size in the backend's record (a snapshot's: its source's when taken)
 * @param pvBytes the PV's {@code spec.capacity.storage}
 * @param created when the volume's create began, or the snapshot was taken (backend record), null
 *     when unrecorded
 * @param onDelete what deleting it does with the data (the StorageClass's onDelete)
 * @param detail what was found, in one line
 * @param fix what {@code --fix} does or did about it
 * @param why why it was kept, or why fixing it failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Finding(
    Kind kind,
    String volumeId,
    String snapshot,
    String pv,
    String claim,
    Long backendBytes,
    Long pvBytes,
    String created,
    String onDelete,
    String detail,
    Fix fix,
    String why) {

  /** What was found; the names are part of {@code -o json} and never change. */
  public enum Kind {
    /** A backend volume no PV references, whose claim may still exist or is unknown. */
    VOLUME_WITHOUT_PV,
    /** A backend volume no PV references, made for a claim that was deleted. */
    CLAIM_DELETED,
    /** A PV of this driver whose backend volume does not exist. */
    PV_WITHOUT_VOLUME,
    /** A PV whose capacity differs from the size its backend volume has. */
    CAPACITY_DRIFT,
    /** A backend snapshot no VolumeSnapshotContent has as its handle. */
    SNAPSHOT_WITHOUT_CONTENT;

    @JsonValue
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** What {@code --fix} does about a finding. */
  public enum Fix {
    /** Reported only: {@code --fix} never acts on this kind. */
    NONE,
    /** Not provably orphaned, or too young: left alone ({@code why} says which). */
    KEPT,
    /** Provably orphaned and older than the grace period: {@code --fix} would act. */
    WOULD_FIX,
    /** {@code --fix} deleted, archived or retained it, per {@code onDelete}. */
    FIXED,
    /** {@code --fix} tried and the backend refused ({@code why}). */
    FAILED;

    @JsonValue
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  Finding withFix(Fix to, String reason) {
    return new Finding(
        kind,
        volumeId,
        snapshot,
        pv,
        claim,
        backendBytes,
        pvBytes,
        created,
        onDelete,
        detail,
        to,
        reason);
  }
}
