# Man pages of lib/container.
