# doc/: the API reference built by Doxygen from the header comments.
