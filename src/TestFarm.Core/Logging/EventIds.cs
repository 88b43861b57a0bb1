namespace TestFarm.Core.Logging;

/// <summary>
/// Every log event id of the farm, in one place so that none collides across projects: each project has its
/// own block of 1000 (Orchestration 3000, Redfish 4000, ...). Log.cs files name their events from here.
/// </summary>
public static class EventIds
{
    public static class Orchestration
    {
        public const int CellReserved = 3001;
        public const int PhaseFailed = 3002;
        public const int SpareUsed = 3003;
        public const int HeartbeatFailed = 3004;
        public const int RunFinished = 3005;
        public const int PhaseNotAudited = 3006;
        public const int ReaperRan = 3007;
        public const int RequestRejected = 3008;
        public const int RequestStarted = 3009;
        public const int ClaimLost = 3010;
        public const int ReapedCell = 3011;
        public const int ReservationRoundFailed = 3012;
        public const int RequestsPruned = 3013;
        public const int RequestPruneFailed = 3014;
        public const int LeasesReclaimed = 3020;
        public const int ReclaimFailed = 3021;
        public const int RunTriggered = 3201;
        public const int CellTaken = 3202;
        public const int CellRecorded = 3203;
        public const int RunEnded = 3204;
        public const int ReportsFailed = 3205;
        public const int ObserverFailed = 3206;
        public const int CellRescheduled = 3207;
        public const int CellFailed = 3208;
        public const int CellSkipped = 3209;
        public const int HandsOnMoved = 3401;
        public const int HandsOnFailed = 3402;
        public const int CellHeld = 3403;
        public const int HoldRefused = 3404;
    }

    public static class Redfish
    {
        public const int RedfishSessionCreated = 4001;
        public const int RedfishSessionRelogin = 4002;
        public const int RedfishSessionDeleteFailed = 4003;
        public const int RedfishRetry = 4004;
        public const int RedfishInsecureTls = 4005;
        public const int RedfishPreconditionRetry = 4006;
        public const int RedfishTaskFollow = 4007;
        public const int RedfishReset = 4008;
        public const int RedfishTlsPinMismatch = 4009;
    }

    public static class Kubernetes
    {
        public const int Applied = 5001;
        public const int WatchGone = 5002;
        public const int ManifestApplied = 5003;
        public const int AddonReady = 5004;
        public const int Deploying = 5005;
    }

    public static class Provisioning
    {
        public const int TicketIssued = 6000;
        public const int AgentBooted = 6001;
        public const int CallbackRefused = 6002;
        public const int AgentCleaned = 6003;
        public const int ScriptServed = 6004;
        public const int NoPendingBoot = 6005;
        public const int PhaseStarted = 6010;
        public const int PhaseFailed = 6011;
        public const int Reimaged = 6012;
        public const int FastTracked = 6013;
        public const int MethodFallback = 6014;
        public const int Cleaned = 6015;
        public const int HeartbeatFailed = 6016;
        public const int AgentSilent = 6017;
        public const int HealthChecked = 6020;
        public const int HealthMoved = 6021;
        public const int HealthMoveSkipped = 6022;
        public const int BootRefused = 6023;
        public const int KexecFallback = 6024;
        public const int QemuStarted = 6030;
        public const int InventoryRecorded = 6040;
        public const int InventoryNotRecorded = 6041;
    }

    public static class Scenarios
    {
        public const int SuiteStarted = 7001;
        public const int StepFinished = 7002;
        public const int StepCrashed = 7003;
        public const int ChaosAction = 7004;
        public const int ChaosRefused = 7005;
        public const int ProbeRecovered = 7006;
        public const int UnknownStepKind = 7007;
        public const int SampleAbandoned = 7008;
    }

    public static class GitHub
    {
        public const int GitHubRetry = 9001;
        public const int GitHubTokenRenewed = 9002;
        public const int GitHubReportQueued = 9003;
        public const int GitHubReportDelivered = 9004;
        public const int GitHubOutboxFlushFailed = 9005;
        public const int GitHubRefused = 9006;
        public const int GitHubReportFailed = 9007;
    }

    public static class Storage
    {
        public const int StoreMigrated = 10001;
        public const int StoreRetrying = 10002;
        public const int LeaseGranted = 10003;
        public const int LeaseReaped = 10004;
        public const int MachineMoved = 10005;
        public const int StoreBatchRefused = 10006;
    }

    public static class Server
    {
        public const int RequestFailed = 11001;
        public const int RunTriggered = 11002;
        public const int RunFinished = 11003;
        public const int RunFailed = 11004;
        public const int RunCancelling = 11005;
        public const int Draining = 11006;
        public const int StoreTrouble = 11007;
        public const int MachineAction = 11008;
        public const int NightlyFired = 11009;
        public const int MachineCleaned = 11010;
        public const int MachineMovedMeanwhile = 11011;
        public const int Listening = 11012;
        public const int ObserverFailed = 11013;
        public const int RunHeldElsewhere = 11014;
        public const int RunEndedElsewhere = 11015;
        public const int SilentRunEnded = 11016;
        public const int RunPathRefused = 11017;
        public const int WebhookRejected = 11018;
        public const int WebhookHandled = 11019;
        public const int WebhookDuplicate = 11020;
        public const int WebhookFailed = 11021;
        public const int StoreUnavailable = 11030;
    }

    public static class Lab
    {
        public const int SimulatedClusterStarted = 12001;
        public const int SimulatedClusterStopped = 12002;
        public const int ReconcileFailed = 12003;
        public const int Unauthenticated = 12004;
        public const int LabStarted = 12005;
        public const int LabStopped = 12006;
        public const int MachineStopFailed = 12007;
        public const int RequestFailed = 12008;
    }
}
