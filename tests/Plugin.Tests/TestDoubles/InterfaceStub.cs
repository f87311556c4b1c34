using System.Reflection;

namespace DynamicCot.Plugin.Tests.TestDoubles;

/// <summary>
/// A test double for a large interface (Umbraco's services have dozens of members): only the members a test names
/// are implemented; calling any other fails the test with the member's name.
/// </summary>
public class InterfaceStub<T> : DispatchProxy where T : class
{
    private Dictionary<string, Func<object?[], object?>> _members = new();

    public static T Create(params (string Member, Func<object?[], object?> Implementation)[] members)
    {
        var proxy = Create<T, InterfaceStub<T>>();
        ((InterfaceStub<T>)(object)proxy)._members = members.ToDictionary(m => m.Member, m => m.Implementation);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var method = targetMethod ?? throw new InvalidOperationException("No method.");
        var signature = $"{method.Name}({string.Join(",", method.GetParameters().Select(p => p.ParameterType.Name))})";
        if (_members.TryGetValue(signature, out var implementation) || _members.TryGetValue(method.Name, out implementation))
            return implementation(args ?? []);
        throw new NotSupportedException($"{typeof(T).Name}.{signature} is not implemented by this test double.");
    }
}
