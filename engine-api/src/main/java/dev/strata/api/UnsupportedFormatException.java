package dev.strata.api;

/**
 * Thrown on open when a store was written by a newer on-disk format version than this library
 * reads. The store is left untouched; upgrade the library to open it.
 */
public class UnsupportedFormatException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the file, the version found and the newest version supported
   */
  public UnsupportedFormatException(String message) {
    super(message);
  }
}
