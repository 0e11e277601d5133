#!/usr/bin/env bash
# run.sh: make check-cluster.  Starts a cluster of three hosts and a
# controller on this machine, runs tests/cluster/*.bats on it (the
# examples of examples/cluster under GNU parallel over ssh and Slurm),
# prints measurements, and removes everything it made.
#
# Hosts are network namespaces pdpc-ctl, pdpc-h1..h3 on 10.77.0.0/24,
# joined by veth pairs to the bridge pdpc-br (see
# /work/shared/notes/test-cluster.md for the facts this follows); they
# share the file system.  State lives in $PDP_CLUSTER_DIR (default
# /tmp/pdp-cluster).  Every daemon is started here and recorded with its
# pid in $W/pids; the cleanup, on every exit and first thing on start
# (for a run that was killed), stops those pids only, deletes the
# namespaces and links by name, and removes $W.
#
# Needs root; installs the Debian packages it lacks.  Environment:
# PDP_BIN, PDP_TOOLS (as for make check), BATSFLAGS.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
W=${PDP_CLUSTER_DIR:-/tmp/pdp-cluster}
NET=10.77.0
NODES="h1 h2 h3"
NSS="ctl $NODES"
: "${PDP_BIN:=$top/build}"
: "${PDP_TOOLS:=$PDP_BIN}"
export PDP_BIN PDP_TOOLS

say() { printf '# %s\n' "$*"; }
die() {
	printf 'check-cluster: %s\n' "$*" >&2
	# A line that CI counts as a failed test.
	printf 'not ok - check-cluster could not start: %s\n' "$*"
	# The logs go with $W: show their ends now.
	[ -d "${W:-}/log" ] && tail -n 15 "$W"/log/* >&2 2>/dev/null
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # skip check-cluster needs root (network namespaces, sshd, Slurm)"
	exit 0
fi

addr() {
	case $1 in
	ctl) echo "$NET.10" ;;
	h*) echo "$NET.$((10 + ${1#h}))" ;;
	esac
}

# --- cleanup ---------------------------------------------------------------

# alive PID: PID exists and is not a zombie.
alive() {
	local st
	st=$(cut -d ' ' -f 3 "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ]
}

# Stop the daemons listed in $W/pids ("PID COMM" lines): only a process
# with that pid and that name, so a pid reused by another is left alone.
stop_daemons() {
	local pid comm c i
	[ -f "$W/pids" ] || return 0
	while read -r pid comm; do
		c=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
		[ "$c" = "$comm" ] && kill -TERM "$pid" 2>/dev/null
	done < "$W/pids"
	for i in $(seq 50); do
		local left=0
		while read -r pid comm; do
			c=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
			[ "$c" = "$comm" ] && alive "$pid" && left=1
		done < "$W/pids"
		[ $left -eq 0 ] && return 0
		sleep 0.1
	done
	while read -r pid comm; do
		c=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
		[ "$c" = "$comm" ] && kill -KILL "$pid" 2>/dev/null
	done < "$W/pids"
	return 0
}

cleanup() {
	stop_daemons
	local n
	for n in $NSS; do
		ip netns pids "pdpc-$n" 2>/dev/null | while read -r p; do
			# Job steps the daemons left (slurmstepd, a job's shell):
			# still only processes of our namespaces.
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "pdpc-$n" 2>/dev/null
		ip link del "pdpc-$n" 2>/dev/null
	done
	ip link del pdpc-br 2>/dev/null
	[ -f "$W/made-run-sshd" ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$W"
	return 0
}

# --- setup -----------------------------------------------------------------

install_missing() {
	local need="" c
	for c in parallel:parallel sshd:openssh-server ssh:openssh-client \
	    slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge \
	    nsenter:util-linux ip:iproute2 bats:bats; do
		command -v "${c%%:*}" >/dev/null 2>&1 ||
		    [ -x "/usr/sbin/${c%%:*}" ] || need="$need ${c#*:}"
	done
	[ -z "$need" ] && return 0
	say "installing from Debian:$need"
	{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need ||
	  { apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need; }
	} >/dev/null 2>&1 || die "cannot install$need"
}

network() {
	local n
	ip -4 -o addr show | grep -q " $NET\." &&
	    die "$NET.0/24 is already in use on this machine"
	ip link add pdpc-br type bridge || return
	ip addr add "$NET.1/24" dev pdpc-br
	ip link set pdpc-br up
	for n in $NSS; do
		ip netns add "pdpc-$n" || return
		ip link add "pdpc-$n" type veth peer name eth0 netns "pdpc-$n" ||
		    return
		ip link set "pdpc-$n" master pdpc-br up
		ip netns exec "pdpc-$n" sh -c "
			sysctl -qw net.ipv6.conf.all.disable_ipv6=1
			ip addr add $(addr "$n")/24 dev eth0
			ip link set eth0 up
			ip link set lo up" || return
	done
	sysctl -qw net.ipv6.conf.pdpc-br.disable_ipv6=1 2>/dev/null
	mkdir -p "$W/etc"
	{
		echo "127.0.0.1 localhost"
		for n in $NSS; do echo "$(addr "$n") $n"; done
	} > "$W/etc/hosts"
	echo "# no name server: nothing leaves the test subnet" > "$W/etc/resolv.conf"
}

# onhost HOST CMD...: CMD on HOST: its network namespace, its host name,
# the test's /etc/hosts and an empty resolv.conf (in a private mount
# namespace; the real /etc is untouched).  Execs all the way down, so a
# daemon started as `onhost ... &` has the pid $!.
onhost() {
	local h=$1
	shift
	exec nsenter --net="/run/netns/pdpc-$h" unshare --uts --mount -- \
	    sh -c 'hostname "$0" && mount --bind "$1/etc/hosts" /etc/hosts &&
		mount --bind "$1/etc/resolv.conf" /etc/resolv.conf &&
		shift && exec "$@"' "$h" "$W" "$@"
}

# daemon HOST COMM CMD...: start CMD on HOST in the background, logging
# to $W/log, and record its pid.
daemon() {
	local h=$1 comm=$2
	shift 2
	( onhost "$h" "$@" ) >> "$W/log/$comm-$h.out" 2>&1 < /dev/null &
	echo "$! $comm" >> "$W/pids"
}

sshd_up() {
	local n s="$W/ssh"
	mkdir -p "$s"
	[ -d /run/sshd ] || { mkdir -p /run/sshd && touch "$W/made-run-sshd"; }
	ssh-keygen -q -t ed25519 -N '' -f "$s/host_key" || return
	ssh-keygen -q -t ed25519 -N '' -f "$s/id" || return
	cp "$s/id.pub" "$s/authorized_keys"
	: > "$s/known_hosts"
	: > "$s/config"
	for n in $NODES; do
		cat > "$s/sshd-$n.conf" <<-EOF
		ListenAddress $(addr "$n")
		HostKey $s/host_key
		PidFile $W/run/sshd-$n.pid
		AuthorizedKeysFile $s/authorized_keys
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		UsePAM no
		StrictModes no
		MaxStartups 100:30:200
		MaxSessions 100
		EOF
		daemon "$n" sshd /usr/sbin/sshd -D -f "$s/sshd-$n.conf" \
		    -E "$W/log/sshd-$n.log"
		echo "$n,$(addr "$n") $(cut -d ' ' -f 1,2 "$s/host_key.pub")" \
		    >> "$s/known_hosts"
		cat >> "$s/config" <<-EOF
		Host $n
		    HostName $(addr "$n")
		EOF
	done
	cat >> "$s/config" <<-EOF
	Host *
	    User root
	    IdentityFile $s/id
	    IdentitiesOnly yes
	    UserKnownHostsFile $s/known_hosts
	    StrictHostKeyChecking yes
	    BatchMode yes
	    ConnectTimeout 5
	    LogLevel ERROR
	EOF
}

munge_up() {
	local m="$W/munge"
	mkdir -p "$m"
	dd if=/dev/urandom of="$m/munge.key" bs=1024 count=1 status=none
	chown -R munge:munge "$m"
	chmod 700 "$m"
	chmod 400 "$m/munge.key"
	daemon ctl munged setpriv --reuid=munge --regid=munge --init-groups \
	    /usr/sbin/munged -F --force --socket="$m/munge.socket" \
	    --key-file="$m/munge.key" --pid-file="$m/munged.pid" \
	    --log-file="$m/munged.log" --seed-file="$m/munged.seed"
}

slurm_up() {
	local s="$W/slurm" n cpus mem
	cpus=$(getconf _NPROCESSORS_ONLN)
	mem=$(awk '/^MemTotal/ { m = int($2 / 1024 / 2); print m < 2000 ? m : 2000 }' /proc/meminfo)
	mkdir -p "$s/state"
	for n in $NODES; do mkdir -p "$s/spool-$n"; done
	cat > "$s/slurm.conf" <<-EOF
	ClusterName=pdptest
	SlurmctldHost=ctl($(addr ctl))
	SlurmUser=root
	AuthType=auth/munge
	CredType=cred/munge
	AuthInfo=socket=$W/munge/munge.socket
	StateSaveLocation=$s/state
	SlurmdSpoolDir=$s/spool-%n
	SlurmctldPidFile=$W/run/slurmctld.pid
	SlurmdPidFile=$W/run/slurmd-%n.pid
	SlurmctldLogFile=$W/log/slurmctld.log
	SlurmdLogFile=$W/log/slurmd-%n.log
	ProctrackType=proctrack/linuxproc
	TaskPlugin=task/none
	SwitchType=switch/none
	MpiDefault=none
	MailProg=/bin/true
	SelectType=select/cons_tres
	SelectTypeParameters=CR_Core
	AccountingStorageType=accounting_storage/none
	JobCompType=jobcomp/none
	ReturnToService=2
	InactiveLimit=0
	KillWait=5
	Waittime=0
	SchedulerParameters=batch_sched_delay=0
	EOF
	for n in $NODES; do
		echo "NodeName=$n NodeAddr=$(addr "$n") CPUs=$cpus RealMemory=$mem State=UNKNOWN"
	done >> "$s/slurm.conf"
	echo "PartitionName=all Nodes=ALL Default=YES MaxTime=INFINITE State=UP" >> "$s/slurm.conf"
	export SLURM_CONF="$s/slurm.conf"
	daemon ctl slurmctld /usr/sbin/slurmctld -D -i
	for n in $NODES; do
		daemon "$n" slurmd /usr/sbin/slurmd -D -N "$n"
	done
}

# wait_for SECONDS WHAT CMD...: poll CMD until it succeeds.
wait_for() {
	local s=$1 t=$(( $1 * 10 )) what=$2 i
	shift 2
	for (( i = 0; i < t; i++ )); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "$what not up after $s s"
}

nodes_idle() {
	[ "$(onhost_run ctl sinfo -h -o '%T' -N | grep -c '^idle')" -eq 3 ]
}

# onhost_run HOST CMD...: onhost in a subshell, for a command that ends.
onhost_run() { ( onhost "$@" ); }

ssh_ok() {
	local n
	for n in $NODES; do
		onhost_run ctl ssh -F "$W/ssh/config" "$n" true || return
	done
}

# --- measurements ------------------------------------------------------------

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# per N SECONDS: SECONDS / N, to the millisecond.
per() { awk -v s="$2" -v n="$1" 'BEGIN { printf "%.3f", s / n }'; }

# slurm_wall N: the example slurm-array.sh over N shards, from the start
# until the result is there (polled every 20 ms: sbatch --wait itself
# only looks every 2 s or so, which the script's own wall time shows).
slurm_wall() {
	local o="$W/m$1" t0 t1 pid
	t0=$(now)
	CPUS=$(getconf _NPROCESSORS_ONLN) onhost_run ctl \
	    "$top/examples/cluster/slurm-array.sh" "$1" "$W/corpus" "$o" 2>/dev/null &
	pid=$!
	until [ -e "$o/counts" ] || ! kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
	t1=$(now)
	wait "$pid"
	t2=$(now)
	cmp -s "$o/counts" "$W/want" || say "slurm array of $1: WRONG RESULT"
	say "slurm array of $1 + merge job: result in $(secs "$t0" "$t1") s, slurm-array.sh returned after $(secs "$t0" "$t2") s"
}

# jobs_gone: no job left in the queue.
jobs_gone() { [ -z "$(onhost_run ctl squeue -h -o %i)" ]; }

# The figures for the closing notes, as TAP comments.
measure() {
	local c="$W/corpus" t0 t1 i r hosts
	say "measurements: $(getconf _NPROCESSORS_ONLN) cores shared by all hosts; corpus $(du -sh "$c" | cut -f 1) in $(find "$c" -type f | wc -l) files"
	t0=$(now)
	pdp-find "$c" | pdp-map wordfreq | pdp-reduce sum > /dev/null
	t1=$(now); say "one machine, no engine: $(secs "$t0" "$t1") s"
	for hosts in h1 h1,h2,h3; do
		t0=$(now)
		onhost_run ctl "$top/examples/cluster/parallel-ssh.sh" "$hosts" "$c" > "$W/p.out"
		t1=$(now)
		cmp -s "$W/p.out" "$W/want" || say "parallel $hosts: WRONG RESULT"
		say "parallel-ssh.sh over $hosts: $(secs "$t0" "$t1") s"
	done
	slurm_wall 1
	slurm_wall 3
	r=20
	t0=$(now)
	onhost_run ctl parallel --will-cite -S h1 -j1 true ::: $(seq $r)
	t1=$(now); say "parallel -S h1 -j1 true ::: 1..$r: $(per $r "$(secs "$t0" "$t1")") s a job"
	t0=$(now)
	onhost_run ctl parallel --will-cite -S h1,h2,h3 -j1 true ::: $(seq $r)
	t1=$(now); say "parallel -S h1,h2,h3 -j1 true ::: 1..$r: $(per $r "$(secs "$t0" "$t1")") s a job"
	r=10
	t0=$(now)
	for i in $(seq $r); do onhost_run ctl srun -N1 true || say "srun failed"; done
	t1=$(now); say "srun -N1 true, one after the other: $(per $r "$(secs "$t0" "$t1")") s a job"
	t0=$(now)
	for i in $(seq $r); do
		onhost_run ctl sbatch -Q -o /dev/null --wrap=true || say "sbatch failed"
	done
	wait_for 60 "the trivial jobs" jobs_gone
	t1=$(now); say "$r x sbatch --wrap=true, until the queue is empty: $(per $r "$(secs "$t0" "$t1")") s a job"
}

# --- main --------------------------------------------------------------------

start=$(now)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
install_missing
cleanup			# what a killed earlier run left
for p in pdp-find pdp-map pdp-reduce gencorpus; do
	[ -x "$PDP_BIN/$p" ] || [ -x "$PDP_TOOLS/$p" ] || die "$p is missing: run make first"
done
export PATH="$PDP_BIN:$PATH"
mkdir -p "$W/log" "$W/run"
chmod 755 "$W"
: > "$W/pids"
network || die "cannot set up the test network"
sshd_up || die "cannot set up sshd"
munge_up
slurm_up
export PARALLEL_SSH="ssh -F $W/ssh/config"
"$PDP_TOOLS/gencorpus" -f 300 -s 100M -S 11 "$W/corpus" > /dev/null
pdp-find "$W/corpus" | pdp-map wordfreq | pdp-reduce sum > "$W/want"
wait_for 10 sshd ssh_ok
wait_for 20 "Slurm nodes" nodes_idle
say "cluster up in $(secs "$start" "$(now)") s: ctl, $NODES on $NET.0/24, state in $W"

export PDP_CLUSTER_DIR="$W" CLUSTER_HOSTS=h1,h2,h3
onhost_run ctl bats ${BATSFLAGS:-} "$here"
st=$?
measure
say "check-cluster took $(secs "$start" "$(now)") s"
exit $st
