/**
 * The {@code raft} engine: replicates any Strata engine over an Apache Ratis group. See {@link
 * dev.strata.raft.RaftEngine}.
 */
module dev.strata.raft {
  requires transitive dev.strata.api;
  requires ratis.server.api;
  requires ratis.common;
  requires ratis.proto;
  requires ratis.grpc;
  requires ratis.thirdparty.misc;

  exports dev.strata.raft;

  provides dev.strata.api.StorageEngineProvider with
      dev.strata.raft.RaftEngineProvider;
}
