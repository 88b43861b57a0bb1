using Octokit;

namespace TestFarm.GitHub.Api;

/// <summary>The members of a pull request TestFarm reads, with <c>author_association</c> (which Octokit's model lacks).</summary>
internal sealed class PullRequestView
{
    public int Number { get; set; }
    public GitReference? Head { get; set; }
    public User? User { get; set; }
    public StringEnum<AuthorAssociation>? AuthorAssociation { get; set; }
}
