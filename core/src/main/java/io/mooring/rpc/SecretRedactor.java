package io.mooring.rpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import csi.v1.Csi;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the fields the CSI spec marks {@code csi_secret} (and any field named {@code secrets}),
 * wherever they are nested, so that they can be cleared from a logged request and their values
 * masked in any text that leaves the process.
 */
public final class SecretRedactor {

  private SecretRedactor() {}

  static boolean isSecret(FieldDescriptor field) {
    return field.getOptions().getExtension(Csi.csiSecret) || field.getName().equals("secrets");
  }

  /** A copy of the message with every secret field cleared. */
  public static Message strip(Message message) {
    Message.Builder builder = message.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      if (isSecret(field)) {
        builder.clearField(field);
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()) {
        if (field.isRepeated()) {
          builder.clearField(field);
          for (Object item : (List<?>) e.getValue()) {
            builder.addRepeatedField(field, strip((Message) item));
          }
        } else {
          builder.setField(field, strip((Message) e.getValue()));
        }
      }
    }
    return builder.build();
  }

  /** Every value held in a secret field of the message (map values and plain strings). */
  public static Set<String> values(Message message) {
    Set<String> out = new HashSet<>();
    collect(message, out, false);
    return out;
  }

  private static void collect(Message message, Set<String> out, boolean inSecret) {
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      boolean secret = inSecret || isSecret(field);
      for (Object value : field.isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue())) {
        if (value instanceof MapEntry<?, ?> entry) {
          if (secret && entry.getValue() instanceof String s) {
            out.add(s);
          }
        } else if (value instanceof Message nested) {
          collect(nested, out, secret);
        } else if (secret && value instanceof String s) {
          out.add(s);
        }
      }
    }
  }
}
