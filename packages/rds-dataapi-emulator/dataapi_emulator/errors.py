"""One exception class per AWS error shape of the rds-data model, plus the generic ones AWS returns."""

from __future__ import annotations


class DataApiError(Exception):
    code = "InternalServerErrorException"
    status = 500

    def __init__(self, message: str, **extra):
        super().__init__(message)
        self.message = message
        self.extra = extra  # extra members of the error shape (dbConnectionId)

    def body(self) -> dict:
        return {"message": self.message, **self.extra}


def _error(name: str, status: int) -> type[DataApiError]:
    return type(name, (DataApiError,), {"code": name, "status": status})


BadRequestException = _error("BadRequestException", 400)
DatabaseErrorException = _error("DatabaseErrorException", 400)
StatementTimeoutException = _error("StatementTimeoutException", 400)
DatabaseResumingException = _error("DatabaseResumingException", 400)
SecretsErrorException = _error("SecretsErrorException", 400)
InvalidSecretException = _error("InvalidSecretException", 400)
UnsupportedResultException = _error("UnsupportedResultException", 400)
TransactionNotFoundException = _error("TransactionNotFoundException", 404)
DatabaseNotFoundException = _error("DatabaseNotFoundException", 404)
ForbiddenException = _error("ForbiddenException", 403)
InternalServerErrorException = _error("InternalServerErrorException", 500)
ServiceUnavailableError = _error("ServiceUnavailableError", 503)
DatabaseUnavailableException = _error("DatabaseUnavailableException", 504)
# Generic AWS errors that are not in the rds-data model but that every AWS endpoint can return.
ThrottlingException = _error("ThrottlingException", 400)
# What AWS answers to a call carrying more than one statement on Serverless v2 and provisioned clusters.
ValidationException = _error("ValidationException", 400)
MissingAuthenticationTokenException = _error("MissingAuthenticationTokenException", 403)
InvalidSignatureException = _error("InvalidSignatureException", 403)
UnknownOperationException = _error("UnknownOperationException", 404)
RequestEntityTooLargeException = _error("RequestEntityTooLargeException", 413)

BY_CODE = {cls.code: cls for cls in DataApiError.__subclasses__()}
