package io.mooring.testing;

import io.mooring.events.ClusterEvents;
import io.mooring.events.ObjectRef;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every Event recorded, for tests to look at. */
public final class RecordedEvents implements ClusterEvents {

  public record Recorded(
      ObjectRef regarding, Type type, String reason, String action, String message) {}

  public final List<Recorded> all = new CopyOnWriteArrayList<>();

  @Override
  public void record(ObjectRef regarding, Type type, String reason, String action, String message) {
    all.add(new Recorded(regarding, type, reason, action, message));
  }
}
