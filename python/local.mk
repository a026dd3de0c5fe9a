# python/: the pure-Python rmm package over librmm.so.1.
