"""Django's display formats (FORMAT_MODULE_PATH), made to read like core.formats' Babel output, for
the places Django formats on its own: the admin's lists and read-only fields, bare {{ date }}s."""
