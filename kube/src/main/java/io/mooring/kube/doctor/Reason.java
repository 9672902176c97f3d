package io.mooring.kube.doctor;

/** Why a finding is one; the names are part of {@code -o json} and never change. */
public enum Reason {
  /** A claim that attaches to one node at a time, used by pods that may run on several nodes. */
  READ_WRITE_ONCE,
  /**
   * A ReadWriteOncePod claim used by more than one pod at a time: the scheduler holds back all but
   * one.
   */
  READ_WRITE_ONCE_POD,
  /** A ReadWriteMany filesystem claim of a driver that gives a filesystem to one node at a time. */
  SINGLE_ATTACH_DRIVER,
  /** A pod waiting in ContainerCreating because its volume is attached to another node. */
  MULTI_ATTACH,
  /** A pod waiting in ContainerCreating because its volume fails to attach for another reason. */
  FAILED_ATTACH
}
