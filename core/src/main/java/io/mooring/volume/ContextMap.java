package io.mooring.volume;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A volume_context as strings: the keys every kind has ({@code type}, {@code backend}, {@code
 * path}) and the checks every value passes. Each failure is INVALID_ARGUMENT.
 */
final class ContextMap {

  static final String TYPE = "type";
  static final String BACKEND = "backend";
  static final String PATH = "path";

  /** One or more path elements of safe characters: no empty, control or whitespace elements. */
  private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9_.-]+)+");

  private final VolumeId id;
  private final Map<String, String> map;

  ContextMap(VolumeId id, Map<String, String> map) {
    this.id = id;
    this.map = map;
  }

  /** A new context of {@code type} for volume {@code id}, to be filled by the writer. */
  static Map<String, String> of(String type, VolumeId id, String path) {
    Map<String, String> map = new TreeMap<>();
    map.put(TYPE, type);
    map.put(BACKEND, id.backend());
    map.put(PATH, path);
    return map;
  }

  VolumeId id() {
    return id;
  }

  /** Checks that the context's backend, if it names one, is the ID's. */
  ContextMap checkBackend() {
    String backend = optional(BACKEND, id.backend());
    if (!backend.equals(id.backend())) {
      throw StorageException.invalid(
          "volume_context backend %s does not match volume_id %s", Untrusted.quote(backend), id);
    }
    return this;
  }

  String optional(String key, String otherwise) {
    return map.getOrDefault(key, otherwise);
  }

  String required(String key) {
    String value = map.get(key);
    if (value == null || value.isBlank()) {
      throw StorageException.invalid(
          "volume_context of volume %s has no %s; was this volume created by Mooring?", id, key);
    }
    return value;
  }

  /** A comma-separated list, each element stripped. */
  List<String> list(String key) {
    return Arrays.stream(required(key).split(",")).map(String::strip).toList();
  }

  /** Whether {@code path} is absolute, of safe characters, and without '.' or '..' elements. */
  static boolean safePath(String path) {
    return SAFE_PATH.matcher(path).matches()
        && Arrays.stream(path.split("/")).noneMatch(e -> e.equals(".") || e.equals(".."));
  }

  /** The last element of a {@link #safePath}. */
  static String lastElement(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
