"""The Neo4j driver, created once and passed in, and a thin executor of named statements."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationDisabledClassification,
    Query,
    RoutingControl,
    unit_of_work,
)
from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable, SessionExpired, TransientError
from neo4j.exceptions import ConfigurationError as DriverConfigurationError

from taggraph.errors import ConfigurationError, Neo4jUnavailableError
from taggraph.graph.cypher import load_cypher
from taggraph.settings import Neo4jSettings

Record = dict[str, Any]


def create_driver(settings: Neo4jSettings) -> Driver:
    """Create the driver for ``settings``; it connects lazily, on first use.

    Args:
        settings: Where the server is and the credentials.

    Returns:
        A driver to close when done (it is a context manager).

    """
    try:
        return GraphDatabase.driver(
            settings.uri,
            auth=(settings.user, settings.password.get_secret_value()),
            connection_timeout=settings.connect_timeout_s,
            max_transaction_retry_time=settings.retry_time_s,
            # Statements name optional properties, labels and types (aliases, HAS_BRAND) that a
            # graph may not hold yet; the server's "unrecognized" notes about them are noise.
            notifications_disabled_classifications=[NotificationDisabledClassification.UNRECOGNIZED],
        )
    except (DriverConfigurationError, ValueError) as error:
        raise ConfigurationError(f"cannot use TAGGRAPH_NEO4J_URI {settings.uri!r}: {error}") from error


@contextmanager
def translate_errors(uri: str) -> Iterator[None]:
    """Turn the driver's connection errors into :class:`Neo4jUnavailableError`.

    Args:
        uri: Server address, named in the message.

    Raises:
        Neo4jUnavailableError: If the server is unreachable, refuses the credentials, is still
            unavailable (starting, a transient failure) once retries ran out, or a transaction
            ran past its timeout.

    """
    try:
        yield
    except AuthError as error:
        raise Neo4jUnavailableError(f"Neo4j at {uri} refused the credentials: {error.message}") from error
    except (ServiceUnavailable, SessionExpired, TransientError, OSError) as error:
        raise Neo4jUnavailableError(
            f"Neo4j is not reachable at {uri} ({type(error).__name__}); "
            "start it with `taggraph neo4j start` or set TAGGRAPH_NEO4J_URI"
        ) from error
    except ClientError as error:
        if "TransactionTimedOut" not in (error.code or ""):
            raise
        raise Neo4jUnavailableError(
            f"Neo4j at {uri} did not finish a transaction within its timeout"
        ) from error


class GraphExecutor:
    """Runs named Cypher statements from ``cypher/`` with parameters, reads routed to readers.

    Args:
        driver: The driver, owned by the caller.
        database: Database to run against.
        uri: Server address, for error messages.
        timeout_s: Server-side timeout of each transaction of :meth:`read`, :meth:`write` and
            :meth:`write_steps` (None: the server's own limit).

    """

    def __init__(
        self, driver: Driver, database: str = "neo4j", uri: str = "Neo4j", timeout_s: float | None = None
    ) -> None:
        self._driver = driver
        self._database = database
        self.uri = uri
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(
        cls, driver: Driver, settings: Neo4jSettings, timeout_s: float | None = None
    ) -> "GraphExecutor":
        """Build an executor for the database and address named in ``settings``."""
        return cls(driver, database=settings.database, uri=settings.uri, timeout_s=timeout_s)

    def __repr__(self) -> str:
        return f"GraphExecutor(uri={self.uri!r}, database={self._database!r})"

    def without_timeout(self) -> "GraphExecutor":
        """An executor over the same driver whose transactions have only the server's own limit."""
        return GraphExecutor(self._driver, self._database, self.uri, None)

    def read(self, name: str, **parameters: Any) -> list[Record]:
        """Run a read statement in a managed transaction with retries.

        Args:
            name: Statement name, such as ``read/label_counts``.
            **parameters: Query parameters (values only; never spliced into the text).

        Returns:
            The records as dictionaries.

        """
        return self._run(name, parameters, RoutingControl.READ)

    def write(self, name: str, **parameters: Any) -> list[Record]:
        """Run a write statement in a managed transaction with retries.

        Args:
            name: Statement name, such as ``write/products``.
            **parameters: Query parameters.

        Returns:
            The records as dictionaries.

        """
        return self._run(name, parameters, RoutingControl.WRITE)

    def write_in_chunks(self, name: str, **parameters: Any) -> None:
        """Run a statement that commits its own chunks (``CALL ... IN TRANSACTIONS``).

        Such statements need an auto-commit transaction, so they are not retried as a whole;
        they must be safe to run again.

        Args:
            name: Statement name.
            **parameters: Query parameters.

        """
        query = load_cypher(name)
        with translate_errors(self.uri):
            with self._driver.session(database=self._database) as session:
                session.run(query, parameters).consume()

    def write_steps(self, steps: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[Record]]:
        """Run several write statements in one managed transaction: all commit or none.

        Args:
            steps: ``(statement name, parameters)`` pairs, run in order.

        Returns:
            The records of each step, in order.

        """
        queries = [(load_cypher(name), dict(parameters)) for name, parameters in steps]

        @unit_of_work(timeout=self.timeout_s)
        def work(tx: ManagedTransaction) -> list[list[Record]]:
            return [[record.data() for record in tx.run(query, parameters)] for query, parameters in queries]

        with translate_errors(self.uri):
            with self._driver.session(database=self._database) as session:
                return session.execute_write(work)

    def _query(self, name: str) -> Query:
        return Query(load_cypher(name), timeout=self.timeout_s)

    def _run(self, name: str, parameters: Mapping[str, Any], routing: RoutingControl) -> list[Record]:
        with translate_errors(self.uri):
            records, _, _ = self._driver.execute_query(
                self._query(name), parameters_=dict(parameters), routing_=routing, database_=self._database
            )
        return [record.data() for record in records]

    def verify(self) -> None:
        """Check that the server answers and accepts the credentials.

        Raises:
            Neo4jUnavailableError: If it does not.

        """
        with translate_errors(self.uri):
            self._driver.verify_connectivity()
            self._driver.verify_authentication()
