# Shared by bench/run.sh and bench/compare.sh (sourced): the default account's well-known
# credentials the benchmark servers start with, and waiting for a server's port.
root_ak=LTAI5tLocalyunRootKey01
root_secret=LocalyunRootSecretDoNotUseInProd
account=1234567890123456

wait_port() {  # wait for a TCP port to accept, at most 15 s
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listens on $1" >&2
  return 1
}
