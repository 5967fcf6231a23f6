"""``taggraph extractor train|eval`` and ``taggraph extract``: attribute values from product text.

Model libraries are imported inside the commands, so the other commands start without them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, ProgressColumn, TaskID, TextColumn, TimeElapsedColumn

from taggraph.core.identity import source_name
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
from taggraph.jobs.extraction.examples import ExampleFile, read_example_files
from taggraph.jobs.extraction.kinds import attribute_kinds

app = typer.Typer(help="Train and evaluate the attribute-value extractor.")

Files = Annotated[list[Path], typer.Argument(help="Attribute files (JSON Lines, ExtractGPT format).")]


@app.command()
def train(
    ctx: typer.Context,
    files: Files,
    test: Annotated[
        list[Path] | None, typer.Option(help="Test file, scored beside the gazetteer. Repeat.")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, max=200)] = 20,
    batch_size: Annotated[int, typer.Option(min=1, max=1024)] = 16,
    max_length: Annotated[int, typer.Option(min=16, max=512, help="Longest tokenised input.")] = 96,
    max_steps: Annotated[int, typer.Option(min=0, help="Stop after this many steps (0: no limit).")] = 0,
    seed: Annotated[int, typer.Option()] = 13,
    out: Annotated[
        Path | None, typer.Option(help="Model directory (default: <models-dir>/extractor).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fine-tune the extractor on attribute files (90% train, 10% validation by hash of each row).

    Rows that cannot be taken go to <rejects-dir>/extractor.rejects.jsonl.
    """
    from taggraph.encoders.artifacts import check_writable
    from taggraph.encoders.extractor.training import ExtractorConfig
    from taggraph.jobs.extraction.training import compare_with_gazetteer, train_on_examples

    json_mode(as_json)
    settings = settings_of(ctx)
    target = check_writable(out or settings.models_dir / "extractor", "extractor")
    rejects = settings.rejects_dir / "extractor.rejects.jsonl"
    training = read_example_files(files, rejects)
    tests = read_example_files(test, settings.rejects_dir / "extractor-test.rejects.jsonl") if test else []
    _print_files([*training, *tests])
    examples = [example for file in training for example in file.examples]
    config = ExtractorConfig(
        epochs=epochs, batch_size=batch_size, max_length=max_length, max_steps=max_steps, seed=seed
    )
    with _progress("train") as (progress, task):

        def on_step(step: int, total: int, loss: float, rate: float) -> None:
            progress.update(task, completed=step, total=total, loss=loss, rate=rate)

        extractor, reports = train_on_examples(examples, config, settings.encoder, on_step)
    for report in reports:
        console.print(
            f"epoch {report.epoch}: loss {report.loss:.4f}, validation F1 {report.validation:.2f}, "
            f"{report.examples_per_s:.0f} examples/s"
        )
    metrics: dict[str, Any] = {
        "epochs": [vars(report) for report in reports],
        "threshold": extractor.threshold,
    }
    for file in tests:
        metrics[str(file.path)] = compare_with_gazetteer(extractor, examples, file.examples)
        _print_scores(str(file.path), metrics[str(file.path)])
    target = extractor.save(target, metrics)
    if as_json:
        print_json({"model": str(target), "run_id": extractor.meta["run_id"], "metrics": metrics})
    console.print(
        f"extractor saved to {target}: {len(extractor.attributes)} attributes, run {extractor.meta['run_id']}"
    )


@app.command(name="eval")
def eval_(
    ctx: typer.Context,
    model: Annotated[Path, typer.Argument(help="Model directory written by `taggraph extractor train`.")],
    test: Annotated[list[Path], typer.Option(help="Test file. Repeat.")],
    train: Annotated[list[Path], typer.Option(help="Training file, for the gazetteer baseline. Repeat.")],
    as_json: JsonOption = False,
) -> None:
    """Score a model on test files beside a gazetteer of the training files' values."""
    json_mode(as_json)
    from taggraph.encoders.extractor.extractor import SpanExtractor
    from taggraph.jobs.extraction.training import compare_with_gazetteer

    extractor = SpanExtractor.load(model)
    settings = settings_of(ctx)
    training = read_example_files(train, settings.rejects_dir / "extractor.rejects.jsonl")
    tests = read_example_files(test, settings.rejects_dir / "extractor-test.rejects.jsonl")
    _print_files([*training, *tests])
    examples = [example for file in training for example in file.examples]
    results = {str(file.path): compare_with_gazetteer(extractor, examples, file.examples) for file in tests}
    for name, scores in results.items():
        _print_scores(name, scores)
    if as_json:
        print_json(results)


def extract(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Product source, such as myntra.")],
    model: Annotated[
        Path | None, typer.Option(help="Extractor directory (default: <models-dir>/extractor).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Generated tags file (default: <generated-dir>/<source>.jsonl).")
    ] = None,
    attribute_kind: Annotated[
        list[str] | None, typer.Option(help="Map an attribute to a tag kind, NAME=KIND. Repeat.")
    ] = None,
    with_description: Annotated[bool, typer.Option(help="Read the description too.")] = False,
    ids: Annotated[Path | None, typer.Option(help="Only the product ids in this file, one per line.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Extract attribute values from a source's products into a generated tags file for `taggraph link`.

    Only attributes mapped to a tag kind are asked (colour, brand, gender, material, pattern,
    season by default); nothing is written to the graph but the run's ModelRun node.
    """
    from taggraph.encoders.extractor.extractor import SpanExtractor
    from taggraph.jobs.extraction.extract import run_extraction
    from taggraph.jobs.tagging.proposals import read_id_file

    json_mode(as_json)
    settings = settings_of(ctx)
    source_name(source)
    kinds = attribute_kinds(attribute_kind or ())
    id_list, id_skips = read_id_file(ids) if ids is not None else (None, None)
    if id_list is not None and not id_list:
        raise InputError(f"{ids} holds no product id")
    extractor = SpanExtractor.load(model or settings.models_dir / "extractor")
    extractor.set_precision(settings.tagger.precision)
    target = out or settings.linker.generated_dir / f"{source}.jsonl"
    with open_graph(settings.neo4j) as executor, _progress("extract", steps=False) as (progress, task):
        report = run_extraction(
            executor,
            extractor,
            source,
            target,
            kinds,
            with_description=with_description,
            ids=id_list,
            page_size=settings.page_size,
            max_text_chars=settings.tagger.max_text_chars,
            on_page=lambda count: progress.advance(task, count),
        )
    if id_skips:
        report.skipped.update(id_skips)
    if as_json:
        print_json(asdict(report))
        return
    asked = ", ".join(f"{name} -> {kind}" for name, kind in report.attributes.items())
    console.print(f"run {report.run_id}: {report.products:,} products read for {asked}")
    console.print(
        f"{report.values:,} generated tags written to {report.out}; {report.absent:,} answers n/a, "
        f"{report.repeated:,} values repeated under another attribute of the same kind"
    )
    for reason, count in sorted(report.skipped.items()):
        console.print(f"skipped {count:,}: {reason}")


@contextmanager
def _progress(name: str, steps: bool = True) -> Iterator[tuple[Progress, TaskID]]:
    """A progress display: training steps with loss and rate, or a count of products."""
    columns: list[ProgressColumn] = [TextColumn(f"[bold]{name}")]
    if steps:
        columns += [
            BarColumn(),
            TextColumn("step {task.completed}/{task.total}"),
            TextColumn("loss {task.fields[loss]:.3f}"),
            TextColumn("{task.fields[rate]:.0f} examples/s"),
        ]
    else:
        columns.append(TextColumn("{task.completed:,} products"))
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        yield progress, progress.add_task(name, total=None, loss=0.0, rate=0.0)


def _print_files(files: list[ExampleFile]) -> None:
    for file in files:
        rejected = sum(file.rejected.values())
        console.print(
            f"{file.path}: {file.rows:,} rows = {len(file.examples):,} accepted + {rejected:,} rejected"
        )
        for reason, count in file.rejected.most_common(5):
            console.print(f"  rejected {count:,}: {reason}")


def _print_scores(name: str, results: dict[str, dict[str, Any]]) -> None:
    cases = ("NN", "NV", "VN", "VC", "VW")
    rows = [
        (
            method,
            *(float(scores[key]) for key in ("precision", "recall", "f1")),
            *(int(scores["counts"][case]) for case in cases),
            round(float(scores["texts_per_s"])),
        )
        for method, scores in results.items()
    ]
    print_table(("method", "P", "R", "F1", *cases, "texts/s"), rows, title=name)
