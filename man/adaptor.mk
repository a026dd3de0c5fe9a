# Man pages of lib/adaptor.
