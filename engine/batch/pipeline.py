"""The stages of a batch run side by side: the next chunk is read and the last results written while this chunk is
evaluated. Arrow's readers and writers release the GIL, so on two cores the three overlap; each hand-over holds at
most `depth` items, so memory stays flat.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()
_POLL = 0.1  # seconds between looks at the stop flag while a hand-over is full


def ahead(items: Iterable[T], depth: int = 2, name: str = "exportctl-read") -> Iterator[T]:
    """The items in order, produced by a thread of their own up to `depth` ahead of the consumer; an error the
    producer meets is raised here, where the item would have come. Closing the iterator stops the producer."""
    handover: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                handover.put(entry, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # noqa: BLE001 (handed to the consumer, which raises it)
            put((None, exc))
            return
        put((_DONE, None))

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item, error = handover.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


class Behind(Generic[T]):
    """Calls `consume` on each item given to `put`, in a thread of its own, up to `depth` items behind; `close`
    waits for the last and raises the first error `consume` met (as does the next `put` after it); `abort` drops
    what is still waiting (the run failed: nothing more is worth writing)."""

    def __init__(self, consume: Callable[[T], None], depth: int = 2, name: str = "exportctl-write") -> None:
        self._consume = consume
        self._handover: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._closed = False
        self._dropping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._handover.get()
            if item is _DONE:
                return
            if self._error is None and not self._dropping.is_set():
                try:
                    self._consume(item)  # type: ignore[arg-type]
                except BaseException as exc:  # noqa: BLE001 (raised in the caller's thread)
                    self._error = exc

    def put(self, item: T) -> None:
        if self._closed:
            raise RuntimeError("put after close")
        if self._error is not None:
            self.close()
        self._handover.put(item)

    def close(self) -> None:
        """Wait for every item to be consumed; raise the error consuming one met, if any."""
        if not self._closed:
            self._closed = True
            self._handover.put(_DONE)
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def abort(self) -> None:
        """Drop the items not yet consumed and wait for the one being consumed; errors are not raised."""
        self._dropping.set()
        if not self._closed:
            self._closed = True
            self._handover.put(_DONE)
        self._thread.join()
        self._error = None
