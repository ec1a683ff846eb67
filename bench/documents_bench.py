"""Documents bench, on the embedded backends in a temporary folder.

1. A 45-page PDF from upload to "completed" (extract, chunk, embed, analyse, index,
   thumbnail) through the in-process Dramatiq queue. Target ≤ 5 s (reference: 45 s).
2. Hybrid search p50/p95 over 10,000 processed documents (one passage each; passages are
   written straight to the store with real MiniLM embeddings of 300 base sentences plus
   noise). Target p95 ≤ 50 ms. The one-off index build is printed separately.
3. OCR throughput (Tesseract) per page image.

    .venv/bin/python bench/documents_bench.py [DOCUMENTS]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

WORK = Path(tempfile.mkdtemp(prefix="documents-bench-"))
os.environ.update(
    NINEVECTORS_ENVIRONMENT="test",
    NINEVECTORS_DATA_DIR=str(WORK),
    NINEVECTORS_DATABASE_URL=f"sqlite:///{WORK / 'bench.db'}",
    NINEVECTORS_SMTP_HOST="",
    NINEVECTORS_LOAD_DEMO_DATA="false",
)

import numpy as np  # noqa: E402

from ninevectors.services import documents  # noqa: E402
from ninevectors.services.backends import get_store  # noqa: E402
from ninevectors.services.database import migrate  # noqa: E402
from ninevectors.services.documents import embeddings, ocr, queue  # noqa: E402
from ninevectors.services.identity import signup  # noqa: E402
from tests.fixtures import documents as samples  # noqa: E402

WORDS = (
    "market customers growth revenue strategy execution operations supply chain people talent "
    "culture governance board risk compliance financial margin cash debt investment innovation "
    "digital transformation expansion competitors pricing brand product quality delivery "
    "efficiency cost automation data platform partnership acquisition regulation stakeholder "
    "expectations entity structure leadership hiring retention training engagement budget"
).split()


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def bench_pdf(principal: object, runs: int = 3) -> None:
    rng = random.Random(1)
    totals = []
    for run in range(runs):
        pages = [f"Run {run} page {n}. " + _paragraph(rng, 320) for n in range(45)]
        data = samples.pdf_bytes(pages)
        started = time.perf_counter()
        doc = documents.upload_document(principal, f"plan-{run}.pdf", samples.chunks(data))  # type: ignore[arg-type]
        queue.wait_until_idle(300)
        total = time.perf_counter() - started
        done = documents.get_document(principal, doc.id)  # type: ignore[arg-type]
        assert done.processing.status == "completed", done.processing.reason
        totals.append(total)
        print(
            f"  45-page PDF run {run + 1}: {total:.2f} s upload→completed "
            f"({done.content.chunk_count} passages, worker {done.processing.duration_ms} ms)"
        )
    print(f"45-page PDF upload→completed: mean {statistics.mean(totals):.2f} s (target ≤ 5 s)")


def seed_library(organization_id: str, user_id: str, count: int) -> None:
    rng = random.Random(2)
    base_texts = [_paragraph(rng, 40) for _ in range(300)]
    base = embeddings.get_embedder().embed(base_texts)
    store = get_store()
    started = time.perf_counter()
    for i in range(count):
        text = base_texts[i % 300] + " " + _paragraph(rng, 60)
        vector = embeddings.normalise(base[i % 300] + rng.gauss(0, 0.05) * np.ones(384, np.float32))
        doc_id = f"doc_{i:024x}"
        relevance = {str(v): round(rng.random(), 3) for v in range(1, 10)}
        store.create("documents", {
            "id": doc_id, "type": "document", "organizationId": organization_id,
            "name": f"Document {i}.pdf", "category": rng.choice(["strategy", "market", "people"]),
            "tags": [rng.choice(WORDS)], "visibility": "organization", "team": None,
            "uploadedBy": user_id, "uploadedAt": f"2026-0{1 + i % 9}-10T10:00:00Z",
            "fileMetadata": {"fileName": "d.pdf", "fileSize": 1000, "mimeType": "application/pdf",
                             "kind": "pdf", "blobName": f"raw/{doc_id}/d.pdf",
                             "checksum": f"sha256:{i:064x}"},
            "processing": {"status": "completed"}, "content": {}, "aiAnalysis": {
                "method": "local", "vectorRelevance": relevance},
            "citations": [], "linkedAssessments": [], "partitionKey": organization_id,
        })  # fmt: skip
        store.create("documents", {
            "id": f"{doc_id}-c0", "type": "document-chunk", "documentId": doc_id, "ordinal": 0,
            "page": 1, "text": text, "embedding": embeddings.encode(vector),
            "partitionKey": organization_id,
        })  # fmt: skip
    print(f"  seeded {count} documents in {time.perf_counter() - started:.1f} s")


def bench_search(principal: object, count: int) -> None:
    rng = random.Random(3)
    started = time.perf_counter()
    documents.search_documents(principal, {"text": "warm up"})  # type: ignore[arg-type]
    print(f"  index build (once per change): {time.perf_counter() - started:.2f} s")
    timings = []
    for i in range(200):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        query: dict[str, object] = {"text": f"{words} {i}"}
        if i % 4 == 0:
            query["category"] = "market"
        if i % 5 == 0:
            query["vector"] = 1 + i % 9
        started = time.perf_counter()
        documents.search_documents(principal, query)  # type: ignore[arg-type]
        timings.append(time.perf_counter() - started)
    print(
        f"search over {count} documents (hybrid, 200 queries): {_ms(timings)} (target p95 ≤ 50 ms)"
    )


def bench_ocr(pages: int = 5) -> None:
    if not ocr.available():
        print("OCR: tesseract is not installed")
        return
    images = [
        samples.text_image(f"PAGE {n} REVENUE GROWTH PLAN", (1240, 1754)) for n in range(pages)
    ]
    started = time.perf_counter()
    for image in images:
        ocr.image_text(image)
    per_page = (time.perf_counter() - started) / pages
    print(f"OCR (A4 page at 150 dpi): {per_page:.2f} s per page, {1 / per_page:.1f} pages/s")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    migrate(os.environ["NINEVECTORS_DATABASE_URL"])
    login = signup.sign_up(
        {"organization_name": "Bench Ltd", "email": "bench@bench.example",
         "password": "Bench-Password-42", "first_name": "Ben", "last_name": "Ch"},
        ip_address="127.0.0.1", user_agent="bench",
    )  # fmt: skip
    principal = login.principal
    queue.start_processing()  # the worker warms up (model, profiles) as the app does at start
    time.sleep(8)
    bench_pdf(principal)
    seed_library(principal.organization_id, principal.user_id, count)
    bench_search(principal, count)
    bench_ocr()
    queue.shutdown()


if __name__ == "__main__":
    main()
