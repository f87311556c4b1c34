using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Keyphrases.Tests.Prompting;

public sealed class ImageTokenBudgetTests
{
    [Theory]
    [InlineData(-1, true)]
    [InlineData(1, true)]
    [InlineData(256, true)]
    [InlineData(0, false)]
    [InlineData(-2, false)]
    public void A_budget_is_the_projector_default_or_a_positive_count(int tokens, bool valid)
    {
        Assert.Equal(valid, ImageTokenBudget.IsValid(tokens));
        if (valid)
            Assert.Equal(tokens, ImageTokenBudget.Validate(tokens, "--x"));
        else
            Assert.StartsWith($"--x {tokens}: ", Assert.Throws<ArgumentException>(() => ImageTokenBudget.Validate(tokens, "--x")).Message);
    }

    [Fact]
    public void A_recorded_budget_that_is_no_budget_is_refused_naming_the_model()
    {
        var error = Assert.Throws<InvalidDataException>(() => ServingProfile.FromMetadata("m.gguf", key => key == ServingProfile.ImageMaxTokensKey ? 0 : null));
        Assert.Contains("m.gguf", error.Message);
        Assert.Null(ServingProfile.FromMetadata("m.gguf", _ => null));
        Assert.Equal(new ServingProfile(32, ServingProfile.CurrentPromptFormat),
            ServingProfile.FromMetadata("m.gguf", key => key == ServingProfile.ImageMaxTokensKey ? 32 : null));
    }
}
