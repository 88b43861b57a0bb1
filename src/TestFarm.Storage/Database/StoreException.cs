namespace TestFarm.Storage.Database;

/// <summary>The database could not do what was asked; names the database and the operation.</summary>
public sealed class StoreException(string place, string operation, string message, Exception? inner = null)
    : Exception($"{place}: {operation}: {message}", inner)
{
    public string Place { get; } = place;
    public string Operation { get; } = operation;
}
