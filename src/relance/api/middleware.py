"""What every API call shares."""

from django.db import transaction

READS = ("GET", "HEAD", "OPTIONS")


class AllOrNothing:
    """An API call that answers an error has written nothing: each write runs
    in one transaction, rolled back when the answer is 4xx or 5xx (an ERP
    retries a refused call; half of it must not be saved meanwhile)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in READS or not request.path.startswith("/api/"):
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response
