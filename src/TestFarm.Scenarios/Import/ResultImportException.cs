namespace TestFarm.Scenarios.Import;

/// <summary>A result file could not be read; the message names the file and, for XML, the line and column.</summary>
public sealed class ResultImportException : Exception
{
    public ResultImportException(string message) : base(message) { }
    public ResultImportException(string message, Exception inner) : base(message, inner) { }
}
