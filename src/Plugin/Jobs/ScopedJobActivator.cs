using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Creates each job run's instance in its own DI scope of this host's container (disposed after the run). Hangfire's
/// own ASP.NET Core activator is set process-wide; this one belongs to one container.
/// </summary>
public sealed class ScopedJobActivator(IServiceScopeFactory scopes) : JobActivator
{
    public override JobActivatorScope BeginScope(JobActivatorContext context) => new Scope(scopes.CreateScope());

    private sealed class Scope(IServiceScope scope) : JobActivatorScope
    {
        public override object Resolve(Type type) => ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, type);

        public override void DisposeScope() => scope.Dispose();
    }
}
