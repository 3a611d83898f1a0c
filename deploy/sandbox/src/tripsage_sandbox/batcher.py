"""Micro-batching for the embedder: concurrent requests share one forward pass on one thread.

Running each request in its own thread oversubscribes the BLAS threads on a small machine; queueing them
and encoding whatever has gathered in one call keeps both cores busy on a single large matrix product.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np

from tripsage_sandbox.embedder import LazyEmbedder

_MAX_BATCH_TEXTS = 256


@dataclass(slots=True)
class _Job:
    texts: list[str]
    done: asyncio.Future[tuple[np.ndarray, list[int]]] = field(repr=False)


class EmbeddingBatcher:
    """Queue of pending texts drained by one worker task per event loop."""

    def __init__(self, embedder: LazyEmbedder) -> None:
        self.embedder = embedder
        self._queue: asyncio.Queue[_Job] | None = None
        self._worker: asyncio.Task[None] | None = None

    async def embed(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        """Vectors and token counts for the texts, in order."""
        if self._queue is None or self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run(self._queue))
        job = _Job(texts, asyncio.get_running_loop().create_future())
        await self._queue.put(job)
        return await job.done

    async def _run(self, queue: asyncio.Queue[_Job]) -> None:
        while True:
            jobs = [await queue.get()]
            size = len(jobs[0].texts)
            while not queue.empty() and size < _MAX_BATCH_TEXTS:
                job = queue.get_nowait()
                jobs.append(job)
                size += len(job.texts)
            texts = [text for job in jobs for text in job.texts]
            try:
                vectors, counts = await asyncio.to_thread(self._encode, texts)
            except Exception as exc:  # handed to every waiting request, never swallowed
                for job in jobs:
                    if not job.done.done():
                        job.done.set_exception(exc)
                continue
            start = 0
            for job in jobs:
                end = start + len(job.texts)
                if not job.done.done():
                    job.done.set_result((vectors[start:end], counts[start:end]))
                start = end

    def _encode(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        model = self.embedder.get()
        return model.encode(texts), model.count_tokens(texts)
