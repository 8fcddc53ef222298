"""The one exception type the CLI shows to users as a single line instead of a traceback."""


class BenchError(Exception):
    """A user-facing failure: the message names the file or option, what is wrong, and the fix."""
