namespace TestFarm.Testing;

/// <summary>Small plans of the nightly's shape for tests that run the whole pipeline in the lab.</summary>
public static class LabPlans
{
    /// <summary>
    /// <c>lab-smoke</c>: one 1cp-1w cell per profile, the lab deployer with MetalLB and Rook, conformance-quick,
    /// short timeouts. <paramref name="trigger"/> is the plan's trigger as YAML flow (e.g. <c>{ kind: manual }</c>).
    /// </summary>
    public static string Smoke(string trigger, params string[] profiles) => $$"""
        name: lab-smoke
        trigger: {{trigger}}
        matrix:
          profiles:
        {{string.Join("\n", profiles.Select(p => $"    - name: {p}"))}}
          topologies:
            - name: 1cp-1w
              roles:
                - { name: control-plane, count: 1 }
                - { name: worker, count: 1 }
        cluster:
          deployer: lab
          kubernetesVersion: 1.32.3
          addOns:
            - { name: metallb, version: 0.15.3 }
            - { name: rook-ceph, version: 1.17.9 }
        suites: [conformance-quick]
        timeouts: { reimage: 5m, deploy: 5m, addons: 5m, suites: 5m, clean: 5m }
        """;

    /// <summary>
    /// <c>ceph-never-errs</c>: a suite that fails on purpose, for tests of what happens to a failed cell: it accepts only
    /// HEALTH_ERR from the lab's healthy Ceph.
    /// </summary>
    public const string FailingSuite = """
        name: ceph-never-errs
        description: Fails on purpose; accepts only HEALTH_ERR from the lab's healthy Ceph.
        steps:
          - kind: probe
            name: ceph-err
            deadline: 3s
            probeInterval: 1s
            probes:
              - { type: ceph-health, name: ceph-health-err, accept: [HEALTH_ERR] }
        """;
}
