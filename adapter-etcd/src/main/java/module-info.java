/**
 * Strata as an etcd v3 API server over any Strata engine; exports {@code dev.strata.etcd}, whose
 * public types are {@link dev.strata.etcd.EtcdServer} and its command line {@link
 * dev.strata.etcd.StrataEtcd}.
 */
module dev.strata.etcd {
  requires transitive dev.strata.api;
  requires jetcd.grpc;
  requires com.google.protobuf;
  requires io.grpc;
  requires io.grpc.stub;
  requires io.grpc.netty;
  requires io.netty.handler;
  requires info.picocli;

  exports dev.strata.etcd;

  opens dev.strata.etcd to
      info.picocli;

  uses dev.strata.api.StorageEngineProvider;
}
