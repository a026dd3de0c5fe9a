"""Upstream RMM's pylibrmm layer, here in pure Python over librmm.so.1."""
