"""Several bot processes on one PostgreSQL database and one API key.

One process at a time is the leader (``leader.py``: a PostgreSQL advisory lock held on a
connection of its own); it alone runs the dispatcher, refreshes ``/models`` (``models.py``)
and runs the contests' timers. Every process takes commands and clicks for the servers on
its shards. New jobs wake the leader through ``LISTEN/NOTIFY`` (``listener.py``), with a
slow poll of the queue as the fallback. ``node.py`` ties them to the services.
"""

from .node import Cluster

__all__ = ["Cluster"]
