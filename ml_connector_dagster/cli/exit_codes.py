"""What `ml-connector` exits with, so a scheduler or script can tell outcomes apart (docs/operations.md)."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    # A setting, a database, a folder or a credential needs a person: the message names it.
    CONFIGURATION = 1
    # click's own: an unknown option, a missing argument, a value of the wrong form.
    USAGE = 2
    # The run completed, but JAGGAER refused some records or their writes ran out of retries.
    RECORDS_FAILED = 3
    # The run itself failed (a step failed); the message names the step and why.
    RUN_FAILED = 4
    # SIGINT or SIGTERM: the run stopped part-way; the counts printed are what it did until then.
    INTERRUPTED = 130
