"""J1P application errors: answered with HTTP 200 and a non-zero returnCode."""

RC_UNSUPPORTED_OPERATION = 10
RC_INVALID_REQUEST = 20
RC_DUPLICATE = 30
RC_INVALID_QUERY = 50


class J1PError(Exception):
    def __init__(self, return_code: int, message: str) -> None:
        super().__init__(message)
        self.return_code = return_code
        self.message = message
