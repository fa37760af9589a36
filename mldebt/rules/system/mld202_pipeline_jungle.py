"""MLD202 pipeline-jungle."""

from __future__ import annotations

from mldebt.rules.base import Example, ProjectRule
from mldebt.rules.graph_sites import DATA_KINDS, edge_pos, related


class PipelineJungle(ProjectRule):
    """A chain of three or more code units glued together only by intermediate files.

    ## What it flags
    Scripts and notebooks that hand data to each other through files, models or tables (`a.py` writes
    `data/clean.csv`, `b.ipynb` reads it and writes `data/features.parquet`, `c.py` reads that...) in a
    chain of at least `min-units` units, where no declared pipeline covers the links. A link from
    writer W to reader R through artifact A is covered when a dvc.yaml stage, Makefile rule, Kedro
    catalog or `[tool.mldebt.artifacts]` contract declares W as a producer of A and R as a consumer of
    it, or when one unit of the project runs both steps: a driver script or notebook executing them, or
    an orchestrator file. A Python file importing Airflow, Prefect, Dagster, Luigi, Kubeflow Pipelines
    (`kfp`), Metaflow, ZenML or Flyte runs the project code it imports (a `PythonOperator` callable, a
    Prefect task, a Dagster asset, through other modules too) and the scripts and notebooks its
    operators' commands name (`BashOperator`, `DockerOperator`, `KubernetesPodOperator`, `SSHOperator`,
    prefect-shell `ShellOperation`, dagster-shell, `PapermillOperator`).
    One finding per maximal chain, at its first unit's write, listing the chain.

    ## Why it is debt
    Sculley et al. §5, "Pipeline Jungles": data preparation that grows as scrapes, joins and
    intermediate files, with the run order kept in someone's head, is hard to test, to rerun and to
    change; errors surface far from their cause and "glue" steps accumulate (§5, "Glue Code").

    ## Example
    `prepare.py` -> `data/clean.csv` -> `notebooks/features.ipynb` -> `data/features.parquet` ->
    `train.py`, with no dvc.yaml, Makefile or orchestrator declaring that order.

    ## Fix
    Declare the pipeline: a dvc.yaml with one stage per step (deps and outs), a Makefile, a Kedro or
    orchestrator (Airflow, Prefect, Dagster) DAG, or at least `[tool.mldebt.artifacts]` contracts;
    better still, collapse steps that only pass files along into one tested module.

    ## Limits
    An orchestrator file covers what it imports or names in a literal command; steps it reaches only
    through paths built at run time (`bash_command=f"python {script}"`) or in another repository are not
    seen. The order of its tasks is not checked, only that it runs both sides. Links are seen only where
    both sides resolve to the same path or table.
    Cycles between units count as one link of the chain (listed in braces).

    ## Options
    `min-units` (default 3): the shortest chain of code units reported.
    """

    id = "MLD202"
    name = "pipeline-jungle"
    family = "system-anti-patterns"
    severity = "warning"
    options = {"min-units": 3}

    VALID = [
        Example({  # a chain fully covered by dvc.yaml
            "prepare.py": "import pandas as pd\npd.read_csv('data/raw.csv').dropna().to_csv('data/clean.csv')\n",
            "features.py": "import pandas as pd\npd.read_csv('data/clean.csv').to_parquet('data/features.parquet')\n",
            "train.py": "import pandas as pd\nprint(pd.read_parquet('data/features.parquet').shape)\n",
            "dvc.yaml": "stages:\n  prepare:\n    cmd: python prepare.py\n    deps: [data/raw.csv]\n"
                        "    outs: [data/clean.csv]\n  features:\n    cmd: python features.py\n"
                        "    deps: [data/clean.csv]\n    outs: [data/features.parquet]\n"
                        "  train:\n    cmd: python train.py\n    deps: [data/features.parquet]\n",
        }),
        Example({  # a two-step hand-over is not a jungle
            "prepare.py": "import pandas as pd\npd.read_csv('data/raw.csv').dropna().to_csv('data/clean.csv')\n",
            "train.py": "import pandas as pd\nprint(pd.read_csv('data/clean.csv').shape)\n",
        }),
        Example({  # a chain covered by Makefile rules
            "prepare.py": "import pandas as pd\npd.read_csv('data/raw.csv').dropna().to_csv('data/clean.csv')\n",
            "features.py": "import pandas as pd\npd.read_csv('data/clean.csv').to_parquet('data/features.parquet')\n",
            "train.py": "import pandas as pd\nprint(pd.read_parquet('data/features.parquet').shape)\n",
            "Makefile": "data/clean.csv: data/raw.csv\n\tpython prepare.py\n\n"
                        "data/features.parquet: data/clean.csv\n\tpython features.py\n\n"
                        "train: data/features.parquet\n\tpython train.py\n",
        }),
    ]
    VALID += [
        Example({  # an Airflow DAG runs the three steps
            "prepare.py": "import pandas as pd\npd.read_csv('data/raw.csv').dropna().to_csv('data/clean.csv')\n",
            "features.py": "import pandas as pd\npd.read_csv('data/clean.csv').to_parquet('data/features.parquet')\n",
            "train.py": "import pandas as pd\nprint(pd.read_parquet('data/features.parquet').shape)\n",
            "dags/churn.py": "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
                             "with DAG('churn') as dag:\n"
                             "    prepare = BashOperator(task_id='prepare', bash_command='python prepare.py')\n"
                             "    features = BashOperator(task_id='features', bash_command='python features.py')\n"
                             "    train = BashOperator(task_id='train', bash_command='python train.py')\n"
                             "    prepare >> features >> train\n",
        }),
        Example({  # a Prefect flow calls the steps' functions
            "steps/prepare.py": "import pandas as pd\n\ndef run():\n"
                                "    pd.read_csv('data/raw.csv').dropna().to_csv('data/clean.csv')\n",
            "steps/features.py": "import pandas as pd\n\ndef run():\n"
                                 "    pd.read_csv('data/clean.csv').to_parquet('data/features.parquet')\n",
            "steps/train.py": "import pandas as pd\n\ndef run():\n"
                              "    print(pd.read_parquet('data/features.parquet').shape)\n",
            "flow.py": "from prefect import flow, task\n\nfrom steps import features, prepare, train\n\n"
                       "@flow\ndef churn():\n    task(prepare.run)()\n    task(features.run)()\n    task(train.run)()\n",
        }),
    ]
    INVALID = [
        Example({
            "prepare.py": "import pandas as pd\npd.read_csv('data/raw.csv').dropna().to_csv('data/clean.csv')\n",
            "notebooks/features.ipynb": ["import pandas as pd",
                                         "df = pd.read_csv('../data/clean.csv')\n"
                                         "df.to_parquet('../data/features.parquet')"],
            "train.py": "import pandas as pd\nX = pd.read_parquet('data/features.parquet')\nprint(X.shape)\n",
        }, expect=1),
        Example({  # dvc.yaml covers only the first link
            "prepare.py": "import pandas as pd\npd.read_csv('data/raw.csv').dropna().to_csv('data/clean.csv')\n",
            "features.py": "import pandas as pd\npd.read_csv('data/clean.csv').to_parquet('data/features.parquet')\n",
            "train.py": "import pandas as pd\nX = pd.read_parquet('data/features.parquet')\nX.to_csv('data/x.csv')\n",
            "report.py": "import pandas as pd\nprint(pd.read_csv('data/x.csv').describe())\n",
            "dvc.yaml": "stages:\n  prepare:\n    cmd: python prepare.py\n    outs: [data/clean.csv]\n"
                        "  features:\n    cmd: python features.py\n    deps: [data/clean.csv]\n",
        }, expect=1),
        Example({  # the DAG runs a report, not the chain
            "prepare.py": "import pandas as pd\npd.read_csv('data/raw.csv').dropna().to_csv('data/clean.csv')\n",
            "features.py": "import pandas as pd\npd.read_csv('data/clean.csv').to_parquet('data/features.parquet')\n",
            "train.py": "import pandas as pd\nX = pd.read_parquet('data/features.parquet')\nprint(X.shape)\n",
            "dags/report.py": "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
                              "with DAG('report') as dag:\n"
                              "    BashOperator(task_id='report', bash_command='python report.py')\n",
            "report.py": "print('weekly report')\n",
        }, expect=1),
    ]

    def check(self, project):
        import networkx as nx

        links = self.uncovered_links(project.graph, self.downstream(project.graph, project.report_paths))
        if not links:
            return
        condensed = nx.condensation(links)
        members = {n: sorted(condensed.nodes[n]["members"]) for n in condensed}
        best, successor = {}, {}
        for node in reversed(list(nx.topological_sort(condensed))):
            options = sorted(condensed.successors(node), key=lambda s: (-best[s], members[s][0]))
            best[node] = len(members[node]) + (best[options[0]] if options else 0)
            successor[node] = options[0] if options else None
        minimum = int(project.options.get("min-units", 3))
        sources = [n for n in condensed if condensed.in_degree(n) == 0 and condensed.out_degree(n) > 0]
        for source in sorted(sources, key=lambda n: members[n][0]):
            if best[source] < minimum:
                continue
            path = [source]
            while successor[path[-1]] is not None:
                path.append(successor[path[-1]])
            off_chain = sum(len(members[n]) for n in nx.descendants(condensed, source) if n not in path)
            found = self.finding(project, links, [members[n] for n in path], off_chain)
            if project.reports(found.path):
                yield found

    @staticmethod
    def downstream(graph, report_paths) -> set[str] | None:
        """The units the named files hand data to, directly or not, themselves included (None: every unit).
        A chain starting in a named file only passes through these; with every hand-over into them kept,
        their chains, cycles, branches and in-degrees are those of the whole project's links."""
        if report_paths is None:
            return None
        seen = {unit for unit in report_paths if unit in graph.g}
        todo = list(seen)
        while todo:
            for artifact, _ in graph.writes_of(todo.pop()):
                if graph.kind(artifact) in DATA_KINDS:
                    for reader, _ in graph.readers_of(artifact):
                        if reader not in seen:
                            seen.add(reader)
                            todo.append(reader)
        return seen

    @staticmethod
    def uncovered_links(graph, within: set[str] | None = None):
        """A DiGraph of units, W -> R when R reads data W writes and no declaration or driver covers it
        (with `within`: only the hand-overs into those units)."""
        import networkx as nx

        runs: dict[str, set[str]] = {}
        drivers: dict[str, set[str]] = {}  # unit -> the units that run it: two units share a driver in O(1)
        for unit in graph.units():
            runs[unit] = graph.runs(unit)
            for target in runs[unit]:
                drivers.setdefault(target, set()).add(unit)
        handovers: dict[tuple[str, str], list[str]] = {}
        covered: set[tuple[str, str]] = set()
        artifacts = graph.artifacts() if within is None else \
            sorted({a for unit in within for a, _ in graph.reads_of(unit)})
        for artifact in artifacts:
            if graph.kind(artifact) not in DATA_KINDS:
                continue
            writers = sorted({w for w, _ in graph.writers_of(artifact)})
            readers = sorted({r for r, _ in graph.readers_of(artifact) if within is None or r in within})
            for writer in writers:
                for reader in readers:
                    if writer == reader:
                        continue
                    handovers.setdefault((writer, reader), []).append(artifact)
                    if (graph.declared_producer(writer, artifact) and graph.declared_consumer(reader, artifact)) \
                            or reader in runs.get(writer, ()) or writer in runs.get(reader, ()) \
                            or not drivers.get(writer, set()).isdisjoint(drivers.get(reader, ())):
                        covered.add((writer, reader))  # one declared hand-over orders the two units
        links = nx.DiGraph()
        for (writer, reader), artifacts in sorted(handovers.items()):
            if (writer, reader) not in covered:
                links.add_edge(writer, reader, artifacts=artifacts)
        return links

    def finding(self, project, links, steps: list[list[str]], off_chain: int):
        graph = project.graph
        hops = []  # (writer, artifact, reader) between consecutive steps
        for before, after in zip(steps, steps[1:]):
            writer, reader = next((w, r) for w in before for r in after if links.has_edge(w, r))
            hops.append((writer, links[writer][reader]["artifacts"][0], reader))
        parts = []
        for i, step in enumerate(steps):
            parts.append(step[0] if len(step) == 1 else "{" + ", ".join(step) + "}")
            if i < len(hops):
                parts.append(hops[i][1])
        count = sum(len(s) for s in steps)
        more = f" ({off_chain} more unit{'s' if off_chain != 1 else ''} branch off it)" if off_chain > 0 else ""
        message = (f"starts a chain of {count} code units linked only through intermediate files: "
                   f"{' -> '.join(parts)}{more}; no dvc.yaml, Makefile, contract or driver declares this order, "
                   f"so reruns depend on someone remembering it: declare the pipeline")
        first_writer, first_artifact, _ = hops[0]
        write = next(d for w, d in graph.writers_of(first_artifact) if w == first_writer)
        sites = []
        for writer, artifact, reader in hops:
            read = next(d for r, d in graph.readers_of(artifact) if r == reader)
            sites.append(related(reader, read, f"reads {artifact}, written by {writer}"))
        return project.finding(self, first_writer, edge_pos(project, first_writer, write), message, sites)
