"""Graphs of records: connected components (scipy) and a union-find that consults the guards."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from identity.guards import CONTACTS_FOR_SHORT_FORMS, Profile, merge_profiles, short_form_evidence


def dense_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel to 0..k-1 in order of first appearance, so labels do not depend on the solver."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse].astype(np.int64)


def components(n_nodes: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label of every node of an undirected graph given as edge arrays."""
    if n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix(
        (np.ones(len(left), dtype=np.int8), (left, right)), shape=(n_nodes, n_nodes)
    ).tocsr()
    _, labels = connected_components(graph, directed=False)
    return dense_labels(labels)


def shared_key_components(n_records: int, key_spaces: Sequence[Sequence[np.ndarray]]) -> np.ndarray:
    """Components of records linked by sharing a key value.

    Each key space is a list of code arrays (one per column, an integer per record, -1 = no
    value); equal codes anywhere in one space are one key node. Records attach to key nodes (a
    bipartite graph): one edge per record and value instead of one per pair of records.
    """
    lefts, rights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    offset = n_records
    for space in key_spaces:
        width = 0
        for codes in space:
            has = codes >= 0
            lefts.append(np.flatnonzero(has))
            rights.append(codes[has] + offset)
            width = max(width, int(codes.max()) + 1 if has.any() else 0)
        offset += width
    left, right = np.concatenate(lefts), np.concatenate(rights)
    return dense_labels(components(offset, left, right)[:n_records])


class GuardedUnionFind:
    """Union-find over nodes with profiles; a union happens only if `merge_profiles` allows it."""

    def __init__(
        self,
        profiles: Sequence[Profile],
        contacts_for_short_forms: int = CONTACTS_FOR_SHORT_FORMS,
        typo_tolerant: bool = False,
    ) -> None:
        self.parent = list(range(len(profiles)))
        self.size = [1] * len(profiles)
        self.profile = list(profiles)
        self.contacts_for_short_forms = contacts_for_short_forms
        self.typo_tolerant = typo_tolerant

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int, given_name_outweighed: bool = False) -> bool:
        """Merge the clusters of a and b; True if they are one cluster now, False if refused.

        `given_name_outweighed`: first names do not refuse this merge (`merge_profiles`)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        merged = merge_profiles(
            self.profile[ra],
            self.profile[rb],
            self.contacts_for_short_forms,
            self.typo_tolerant,
            given_name_outweighed,
        )
        if merged is None:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.profile[ra] = merged
        return True

    def name_forms_agree(self, a: int, b: int) -> bool:
        """Are the two clusters' names forms of one another (so that a refusal was for want of
        evidence, not because the names differ)?"""
        return short_form_evidence(self.profile[self.find(a)], self.profile[self.find(b)], 0)

    def labels(self) -> np.ndarray:
        return np.array([self.find(x) for x in range(len(self.parent))], dtype=np.int64)
