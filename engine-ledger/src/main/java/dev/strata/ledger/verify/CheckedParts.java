package dev.strata.ledger.verify;

import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.merkle.MerkleStore;
import dev.strata.ledger.read.LedgerReader;
import java.nio.file.Path;

/**
 * The parts of a ledger the integrity check reads, never the engine itself. The check only reads
 * them; they stay owned by the engine, which keeps them open while the check runs.
 *
 * @param directory the ledger directory, for messages
 * @param log the segment files
 * @param merkleStore the persisted Merkle chunks and nodes
 * @param keyIndex the key index
 * @param reader resolves an index entry to the version visible at a size
 */
public record CheckedParts(
    Path directory,
    SegmentLog log,
    MerkleStore merkleStore,
    KeyIndex keyIndex,
    LedgerReader reader) {}
