using DynamicCot.Plugin.DemoHost;

var app = DemoHostApp.Build(args);
app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine($"DynamicCot demo: open {string.Join(", ", app.Urls)}"));
app.Run();
