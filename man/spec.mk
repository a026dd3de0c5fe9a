# Man pages of lib/spec.
