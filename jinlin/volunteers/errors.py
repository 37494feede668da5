"""Refusals the API answers with 409: the request was fine, the state of things does not allow it."""


class Conflict(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InsufficientBalance(Conflict):
    pass


class OutOfStock(Conflict):
    pass


class StateConflict(Conflict):
    pass
