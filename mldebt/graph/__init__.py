"""The project-wide data-dependency graph: code units and artifacts, reads/writes/executes/imports edges,
and declared pipelines. networkx is imported only here, when a graph is actually built."""

from mldebt.graph.model import DataGraph

__all__ = ["DataGraph"]
