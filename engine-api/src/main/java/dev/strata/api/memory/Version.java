package dev.strata.api.memory;

/**
 * One committed version of a key: an immutable singly linked chain, newest first. A null {@code
 * value} is a tombstone. Readers walk the chain to the newest version their snapshot can see.
 */
record Version(long commit, byte[] value, Version older) {
  /** Returns the newest version visible at {@code snapshot}, or null when none is. */
  Version visibleAt(long snapshot) {
    Version v = this;
    while (v != null && v.commit > snapshot) {
      v = v.older;
    }
    return v;
  }

  /**
   * Drops versions no reader can reach: every reader sees a snapshot at or after {@code oldest}, so
   * only the newest version at or before {@code oldest} and anything newer stay.
   */
  Version pruned(long oldest) {
    java.util.ArrayDeque<Version> newer = new java.util.ArrayDeque<>();
    Version v = this;
    while (v != null && v.commit > oldest) {
      newer.push(v);
      v = v.older;
    }
    if (v == null || v.older == null) {
      return this;
    }
    Version kept = new Version(v.commit, v.value, null);
    while (!newer.isEmpty()) {
      Version n = newer.pop();
      kept = new Version(n.commit, n.value, kept);
    }
    return kept;
  }

  int depth() {
    int n = 0;
    for (Version v = this; v != null; v = v.older) {
      n++;
    }
    return n;
  }
}
