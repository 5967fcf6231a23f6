"""The catalog team's review page: server-rendered HTML at ``/review`` over the review service functions."""
