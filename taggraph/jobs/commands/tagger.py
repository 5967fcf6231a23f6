"""``taggraph tagger train|eval`` and ``taggraph tag``: fine-tune, evaluate, write proposals.

Model libraries (torch, transformers, scikit-learn) are imported inside the commands, so the
other commands of the CLI start without loading them.
"""

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from taggraph.errors import InputError
from taggraph.jobs.commands.runtime import (
    JsonOption,
    console,
    json_mode,
    open_graph,
    print_json,
    print_table,
    settings_of,
)
from taggraph.jobs.runs import record_run, run_started_at

if TYPE_CHECKING:
    from taggraph.jobs.tagging.proposals import TaggingReport

app = typer.Typer(help="Fine-tune and evaluate the text tagger.")


@app.command()
def train(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Product source to learn from, such as myntra.")],
    kind: Annotated[
        list[str] | None,
        typer.Option(help="Label kind to learn (tag kind, category_1..3, brand). Repeat; all when absent."),
    ] = None,
    with_description: Annotated[bool, typer.Option(help="Tag from title and description.")] = False,
    min_support: Annotated[int, typer.Option(min=1, help="Fewest training products a label needs.")] = 5,
    include_reviewed: Annotated[
        bool,
        typer.Option(help="Also learn from review decisions: approved as positives, rejected as negatives."),
    ] = False,
    epochs: Annotated[int, typer.Option(min=1, max=100)] = 4,
    batch_size: Annotated[int, typer.Option(min=1, max=4096)] = 32,
    max_length: Annotated[int, typer.Option(min=8, max=512, help="Longest tokenised text.")] = 64,
    max_steps: Annotated[int, typer.Option(min=0, help="Stop after this many steps (0: no limit).")] = 0,
    seed: Annotated[int, typer.Option()] = 13,
    lora_rank: Annotated[
        int,
        typer.Option(min=0, max=256, help="Train LoRA adapters of this rank, not the whole encoder."),
    ] = 0,
    lexical_head: Annotated[
        bool,
        typer.Option(help="Fit a word-piece lexical head after fine-tuning (kept if validation gains)."),
    ] = True,
    out: Annotated[
        Path | None, typer.Option(help="Model directory (default: <models-dir>/tagger/<source>).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fine-tune the tagger on a source's catalog tags (and, with --include-reviewed, on people's decisions).

    Products are split by a hash of their id: 70% train, 10% validation (early stopping and
    per-tag thresholds), 20% test (the figures printed at the end).
    """
    from taggraph.core.vocabulary import TaggerJob
    from taggraph.encoders.artifacts import check_writable
    from taggraph.encoders.tagger.training import TrainingConfig
    from taggraph.jobs.tagging.evaluation import test_metrics
    from taggraph.jobs.tagging.training import load_splits, train_job

    json_mode(as_json)
    settings = settings_of(ctx)
    kinds = tuple(kind or ())
    job = TaggerJob(source, kinds, with_description, min_support, settings.encoder, include_reviewed)
    config = TrainingConfig(
        epochs=epochs,
        batch_size=batch_size,
        max_length=max_length,
        max_steps=max_steps,
        seed=seed,
        lora_rank=lora_rank,
        lexical_head=lexical_head,
    )
    target = check_writable(out or settings.models_dir / "tagger" / source, "tagger")
    with open_graph(settings.neo4j) as executor:
        splits = load_splits(executor, job)
        console.print(
            f"{source}: {len(splits.train):,} train / {len(splits.validation):,} validation / "
            f"{len(splits.test):,} test products; {len(splits.space)} labels of kinds "
            f"{', '.join(splits.space.kinds)}"
        )
        with Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            TextColumn("step {task.completed}/{task.total}"),
            TextColumn("loss {task.fields[loss]:.3f}"),
            TextColumn("{task.fields[rate]:.0f} examples/s"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("train", total=None, loss=0.0, rate=0.0)

            def on_step(step: int, total: int, loss: float, rate: float) -> None:
                progress.update(task, completed=step, total=total, loss=loss, rate=rate)

            tagger, reports = train_job(splits, job, config, on_step)
        for report in reports:
            console.print(
                f"epoch {report.epoch}: loss {report.loss:.4f}, validation micro-F1 "
                f"{report.validation:.4f}, {report.examples_per_s:.0f} examples/s"
            )
        lexical = tagger.meta.get("lexical")
        if lexical is not None:
            kept = "kept" if lexical["best_epoch"] else "not kept: no epoch beat the network alone"
            console.print(
                f"lexical head: validation micro-F1 {lexical['validation_micro_f1_before']:.4f} -> "
                f"{lexical['validation_micro_f1']:.4f} at epoch {lexical['best_epoch']} ({kept})"
            )
        metrics = test_metrics(tagger, splits)
        tagger.save(target, {"test": metrics, "epochs": [vars(report) for report in reports]})
        record_run(
            executor,
            tagger.meta["run_id"],
            "tagger-training",
            status="finished",
            source=source,
            path=str(target.resolve()),
            data_hash=tagger.meta["data_hash"],
            vocabulary_version=splits.space.version,
            labels=len(splits.space),
            test_micro_f1=metrics["micro_f1"],
            metrics=metrics,
        )
    _print_quality({"fine-tuned tagger": metrics})
    console.print(f"model saved to {target} (run {tagger.meta['run_id']})")
    if as_json:
        epochs = [vars(report) for report in reports]
        print_json({"model": str(target), "run_id": tagger.meta["run_id"], "test": metrics, "epochs": epochs})


@app.command(name="eval")
def eval_(
    ctx: typer.Context,
    model: Annotated[Path, typer.Argument(help="Model directory written by `taggraph tagger train`.")],
    baselines: Annotated[
        bool, typer.Option(help="Also run TF-IDF + logistic regression, zero-shot and kNN on the same split.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Evaluate a model on the held-out test split, beside three baselines."""
    json_mode(as_json)
    from taggraph.core.vocabulary import TaggerJob, check_vocabulary
    from taggraph.encoders.embedder import TextEmbedder
    from taggraph.encoders.tagger.tagger import Tagger
    from taggraph.jobs.tagging.evaluation import compare_with_baselines, same_text_agreement, test_metrics
    from taggraph.jobs.tagging.training import load_splits

    tagger = Tagger.load(model)
    with open_graph(settings_of(ctx).neo4j) as executor:
        check_vocabulary(executor, tagger)
        splits = load_splits(executor, TaggerJob.of_model(tagger.meta))
    if baselines:
        embedder = TextEmbedder(settings_of(ctx).encoder)
        results = compare_with_baselines(tagger, splits, embedder, log=console.print)
    else:
        results = {"fine-tuned tagger": test_metrics(tagger, splits)}
    console.print(f"test split: {len(splits.test):,} products, {len(splits.space)} labels")
    _print_quality(results)
    agreement = same_text_agreement(splits)
    if as_json:
        print_json(
            {
                "test_products": len(splits.test),
                "labels": len(splits.space),
                "methods": results,
                "same_text_agreement": agreement,
            }
        )
    if agreement is not None:
        console.print(
            f"{agreement['share']:.0%} of the test texts occur verbatim in training; on them the majority "
            f"training label of the same text scores micro-F1 {agreement['micro_f1']:.4f}, the most a "
            "model reading the text alone can expect there"
        )


def tag(
    ctx: typer.Context,
    model: Annotated[Path, typer.Option(help="Model directory written by `taggraph tagger train`.")],
    changed_since: Annotated[
        str | None, typer.Option(help="Only products whose text changed after this ModelRun started.")
    ] = None,
    ids: Annotated[Path | None, typer.Option(help="Only the product ids in this file, one per line.")] = None,
    page_size: Annotated[
        int | None, typer.Option(min=1, max=100_000, help="Products per transaction.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Score the model's source's products and write proposed tags to the graph.

    Writes HAS_TAG {source: 'tagger', status: 'proposed', score, model}, replacing the tagger's
    earlier proposals; approved, rejected and catalog tags are never changed. An interrupted
    run resumes when the same command runs again.
    """
    from taggraph.core.vocabulary import check_vocabulary
    from taggraph.encoders.tagger.tagger import Tagger
    from taggraph.jobs.tagging.proposals import read_id_file, run_tagging

    json_mode(as_json)
    settings = settings_of(ctx)
    id_list, id_skips = read_id_file(ids) if ids is not None else (None, None)
    if id_list is not None and not id_list:
        raise InputError(f"{ids} holds no product id")
    tagger = Tagger.load(model)
    tagger.set_precision(settings.tagger.precision)
    with open_graph(settings.neo4j) as executor:
        check_vocabulary(executor, tagger)
        since = run_started_at(executor, changed_since) if changed_since is not None else None
        with Progress(
            TextColumn("[bold]tag"),
            TextColumn("{task.completed:,} products"),
            TextColumn("{task.fields[rate]:,.0f}/s"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("tag", rate=0.0)

            def on_page(count: int) -> None:
                progress.advance(task, count)
                progress.update(task, rate=progress.tasks[task].speed or 0.0)

            report = run_tagging(
                executor,
                tagger,
                settings.state_dir,
                since=since,
                ids=id_list,
                page_size=page_size or settings.page_size,
                max_text_chars=settings.tagger.max_text_chars,
                on_page=on_page,
            )
    if id_skips:
        report.skipped.update(id_skips)
    if as_json:
        print_json(asdict(report))
        return
    _print_tagging(report)


def _print_quality(results: dict[str, dict[str, Any]]) -> None:
    kinds = sorted({kind for metrics in results.values() for kind in metrics["f1_by_kind"]})
    keys = ("micro_f1", "macro_f1", "p_at_1", "p_at_5", "map")
    rows = [
        (method, *(metrics[key] for key in keys), *(metrics["f1_by_kind"].get(kind) for kind in kinds))
        for method, metrics in results.items()
    ]
    print_table(
        ("method", "micro-F1", "macro-F1", "P@1", "P@5", "mAP", *(f"F1 {kind}" for kind in kinds)), rows
    )


def _print_tagging(report: "TaggingReport") -> None:
    if report.resumed_after:
        console.print(f"resumed after product {report.resumed_after}")
    console.print(
        f"run {report.run_id}: {report.scored:,} products scored, {report.proposed:,} proposed tags written"
    )
    for reason, count in sorted(report.skipped.items()):
        console.print(f"skipped {count:,}: {reason}")
    if report.not_written_kinds:
        kinds = ", ".join(report.not_written_kinds)
        console.print(f"kinds scored but not written (not Tag nodes in the graph): {kinds}")
